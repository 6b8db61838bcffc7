package dev.grpcpair.gateway;

/**
 * The {@code Grpc-Timeout} header, as gRPC writes it and grpc-gateway reads it: up to 8 digits and
 * a unit ({@code H}, {@code M}, {@code S}, {@code m}, {@code u}, {@code n}).
 */
final class GrpcTimeout {

  private GrpcTimeout() {}

  /**
   * @throws IllegalArgumentException for a value of another form, saying which
   */
  static long parseNanos(String value) {
    if (value.length() < 2 || value.length() > 9) {
      throw new IllegalArgumentException(invalid(value));
    }
    long amount = 0;
    for (int i = 0; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException(invalid(value));
      }
      amount = amount * 10 + (c - '0');
    }
    long nanosPerUnit =
        switch (value.charAt(value.length() - 1)) {
          case 'H' -> 3_600_000_000_000L;
          case 'M' -> 60_000_000_000L;
          case 'S' -> 1_000_000_000L;
          case 'm' -> 1_000_000L;
          case 'u' -> 1_000L;
          case 'n' -> 1L;
          default -> throw new IllegalArgumentException(invalid(value));
        };
    // 99999999H is longer than a long counts in nanoseconds: as long as it counts.
    return amount > Long.MAX_VALUE / nanosPerUnit ? Long.MAX_VALUE : amount * nanosPerUnit;
  }

  private static String invalid(String value) {
    String shown = value.length() <= 20 ? value : value.substring(0, 20) + "…";
    return "Grpc-Timeout \"" + shown + "\" is not 1-8 digits and a unit (H, M, S, m, u, n)";
  }
}
