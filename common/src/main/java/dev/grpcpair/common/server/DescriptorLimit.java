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

  /**
   * The most connections to hold: {@code maxConnections} ({@code flag}), or fewer if {@code
   * descriptorLimit} leaves room for fewer, less the process's own descriptors and a tenth for
   * connections being closed.
   */
  public static Cap cap(int maxConnections, String flag, OptionalLong descriptorLimit) {
    if (descriptorLimit.isPresent()) {
      long limit = descriptorLimit.getAsLong();
      long room = limit - OWN_DESCRIPTORS - limit / 10;
      if (room < maxConnections) {
        return new Cap(
            (int) Math.max(1, room),
            "the descriptor limit, "
                + limit
                + ", less what the server needs itself and room for closing connections");
      }
    }
    return new Cap(maxConnections, flag);
  }

  /** A number of connections, and what sets it (for the logs). */
  public record Cap(int connections, String reason) {}
}
