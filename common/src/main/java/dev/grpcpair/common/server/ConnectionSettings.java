package dev.grpcpair.common.server;

import io.grpc.ServerBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Keepalive and connection lifetimes, from {@link ServerFlags}, onto a server being built. */
final class ConnectionSettings {

  private ConnectionSettings() {}

  static void apply(ServerFlags flags, ServerBuilder<?> builder) {
    builder
        .keepAliveTime(nanos(flags.keepAliveTime), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(nanos(flags.keepAliveTimeout), TimeUnit.NANOSECONDS)
        .permitKeepAliveTime(nanos(flags.permitKeepAliveTime), TimeUnit.NANOSECONDS)
        .permitKeepAliveWithoutCalls(flags.permitKeepAliveWithoutCalls);
    if (flags.maxConnectionIdle != null) {
      builder.maxConnectionIdle(nanos(flags.maxConnectionIdle), TimeUnit.NANOSECONDS);
    }
    if (flags.maxConnectionAge != null) {
      builder.maxConnectionAge(nanos(flags.maxConnectionAge), TimeUnit.NANOSECONDS);
    }
    if (flags.maxConnectionAgeGrace != null) {
      builder.maxConnectionAgeGrace(nanos(flags.maxConnectionAgeGrace), TimeUnit.NANOSECONDS);
    }
  }

  private static long nanos(Duration duration) {
    return duration.toNanos();
  }
}
