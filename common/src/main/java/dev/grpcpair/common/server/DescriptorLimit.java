package dev.grpcpair.common.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The process's limit on open files, and how many connections fit under it: past the limit a server
 * accepts no one, whoever holds the connections.
 */
public final class DescriptorLimit {

  /**
   * Descriptors kept for the process's own files (jars, event loops, its own clients, the health
   * and metrics ports), beside a tenth of the limit for connections that are closing.
   */
  static final int OWN_DESCRIPTORS = 64;

  private DescriptorLimit() {}

  /** The soft limit on open files of this process ({@code ulimit -n}); empty where unknown. */
  public static OptionalLong soft() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
          return soft.equals("unlimited")
              ? OptionalLong.empty()
              : OptionalLong.of(Long.parseLong(soft));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable: only the configured caps apply
    }
    return OptionalLong.empty();
  }

  /** The connections that fit under a descriptor limit of {@code limit}. */
  public static long room(long limit) {
    return limit - OWN_DESCRIPTORS - limit / 10;
  }
}
