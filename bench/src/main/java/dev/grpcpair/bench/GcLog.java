package dev.grpcpair.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a JVM's collections freed, from its GC log ({@code -Xlog:gc}): one line per collection, the
 * heap in use before and after it ({@code GC(7) Pause Young (Allocation Failure) 30M->6M(59M)}),
 * the same for every collector. With the heap in use at two moments, that gives what was allocated
 * between them exactly (to the log's megabyte per collection), where counting collections times the
 * eden's size is only right while the collector leaves its size alone.
 */
final class GcLog {

  private static final Pattern COLLECTION =
      Pattern.compile("GC\\(\\d+\\) Pause .* (\\d+)([KMG])->(\\d+)([KMG])\\(\\d+[KMG]\\)");

  private GcLog() {}

  /**
   * The collections logged so far, and the bytes they freed.
   *
   * @param collections how many collections the log holds
   * @param bytes what they freed, in all
   */
  record Freed(long collections, long bytes) {}

  /** What the log at {@code path} says so far; nothing if the JVM has not written it yet. */
  static Freed read(Path path) throws IOException {
    try {
      return parse(Files.readString(path));
    } catch (NoSuchFileException notYet) {
      return new Freed(0, 0);
    }
  }

  /**
   * What the collections in {@code log} freed. A line still being written has no heap size after
   * its arrow yet and is not counted.
   */
  static Freed parse(String log) {
    long collections = 0;
    long bytes = 0;
    Matcher collection = COLLECTION.matcher(log);
    while (collection.find()) {
      collections++;
      bytes +=
          bytes(collection.group(1), collection.group(2))
              - bytes(collection.group(3), collection.group(4));
    }
    return new Freed(collections, bytes);
  }

  private static long bytes(String amount, String unit) {
    int shift =
        switch (unit) {
          case "K" -> 10;
          case "M" -> 20;
          default -> 30;
        };
    return Long.parseLong(amount) << shift;
  }
}
