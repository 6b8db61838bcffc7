package dev.grpcpair.data;

import dev.grpcpair.proto.data.v1.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

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

  /*
   * What a dataset takes at least once read and indexed, measured on generated datasets (10,000 to
   * 1,000,000 records): about 230 bytes of heap a user and 440 a post, and 2.6 times the size of a
   * dataset file. Reading needs more than that for a while (a file's JSON tree, about 8 times its
   * size), so a dataset refused by this estimate can never load, and one it lets through may still
   * run out: that is caught as well.
   */
  private static final long BYTES_PER_USER = 230;
  private static final long BYTES_PER_POST = 440;
  private static final long BYTES_PER_FILE_BYTE = 2;

  /**
   * Reads or makes the dataset and indexes it with {@code index} (a repository's constructor).
   *
   * @throws InvalidDatasetException if it cannot be read or is not valid
   * @throws IllegalStateException if the dataset or its index does not fit in the heap: one line
   *     that says so, where the JVM would print a stack trace. A dataset larger than the free heap
   *     is refused before any of it is read.
   */
  public <R> R load(Function<Dataset, R> index) {
    Runtime heap = Runtime.getRuntime();
    if (leastBytesNeeded() > heap.maxMemory() - (heap.totalMemory() - heap.freeMemory())) {
      throw doesNotFit();
    }
    try {
      return index.apply(read());
    } catch (OutOfMemoryError e) {
      // What was loaded or indexed so far is garbage now: there is room again to say what happened.
      throw doesNotFit();
    }
  }

  private long leastBytesNeeded() {
    if (file != null) {
      try {
        return Files.size(file) * BYTES_PER_FILE_BYTE;
      } catch (IOException e) {
        return 0; // reading it says what is wrong
      }
    }
    return generatedUsers * BYTES_PER_USER + generatedPosts * BYTES_PER_POST;
  }

  private IllegalStateException doesNotFit() {
    return new IllegalStateException(
        "the dataset ("
            + this
            + ") does not fit in the heap (at most "
            + Runtime.getRuntime().maxMemory() / (1024 * 1024)
            + " MiB): start the JVM with a larger -Xmx, or serve a smaller dataset");
  }

  private Dataset read() {
    if (file != null) {
      return Datasets.fromFile(file);
    }
    if (generatedUsers > 0) {
      return Datasets.generate(generatedUsers, generatedPosts);
    }
    return Datasets.seed();
  }

  @Override
  public String toString() {
    if (file != null) {
      return file.toString();
    }
    return generatedUsers > 0
        ? "generated, " + generatedUsers + " users and " + generatedPosts + " posts"
        : "the embedded sample";
  }
}
