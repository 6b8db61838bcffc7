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

  /**
   * The source a server's flags name: {@code file}, or a generated dataset of {@code generatedSize}
   * ({@code USERS:POSTS}), or with neither, the sample data.
   *
   * @throws InvalidDatasetException for a size that is not two numbers, or no users
   */
  public static DatasetSource of(Path file, String generatedSize) {
    if (generatedSize == null) {
      return file == null ? SEED : new DatasetSource(file, 0, 0);
    }
    String[] sizes = generatedSize.strip().split(":");
    try {
      int users = Integer.parseInt(sizes[0]);
      int posts = Integer.parseInt(sizes[1]);
      if (sizes.length == 2 && users > 0 && posts >= 0) {
        return new DatasetSource(null, users, posts);
      }
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      // reported below
    }
    throw new InvalidDatasetException(
        "a generated dataset takes USERS:POSTS (e.g. 10000:100000), not '" + generatedSize + "'");
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
}
