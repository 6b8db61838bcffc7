package dev.grpcpair.data;

import dev.grpcpair.proto.data.v1.Dataset;
import java.nio.file.Path;

/**
 * Where a server's data comes from: a file users provide, a generated dataset of a given size, or
 * (neither) the original's sample data.
 *
 * @param file a dataset file (protobuf JSON); null: not from a file
 * @param generatedUsers with {@code generatedPosts}, the size of a generated dataset; 0: none
 * @param generatedPosts posts of the generated dataset
 */
public record DatasetSource(Path file, int generatedUsers, int generatedPosts) {

  public static final DatasetSource SEED = new DatasetSource(null, 0, 0);

  public static DatasetSource file(Path file) {
    return new DatasetSource(file, 0, 0);
  }

  public static DatasetSource generated(int users, int posts) {
    return new DatasetSource(null, users, posts);
  }

  public Dataset load() {
    if (file != null) {
      return Datasets.fromFile(file);
    }
    if (generatedUsers > 0) {
      return Datasets.generate(generatedUsers, generatedPosts);
    }
    return Datasets.seed();
  }

  /** For the start-up log. */
  public String describe() {
    if (file != null) {
      return file.toString();
    }
    if (generatedUsers > 0) {
      return "generated, " + generatedUsers + " users and " + generatedPosts + " posts";
    }
    return "embedded sample";
  }
}
