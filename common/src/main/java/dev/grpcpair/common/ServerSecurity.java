package dev.grpcpair.common;

import java.util.Set;

/**
 * How a server protects itself: TLS (mutual when a client CA is set), bearer tokens, and the
 * services reachable without a token.
 *
 * @param tls null for plaintext
 * @param tokens null when no token is required
 * @param exemptServices services that need no token (health checks and reflection, usually)
 */
public record ServerSecurity(ServerTlsConfig tls, AuthTokens tokens, Set<String> exemptServices) {

  /**
   * Health checking and both reflection versions, comma-separated: what probes and {@code grpcurl
   * list} need. A constant string, so it can be the flag's default too.
   */
  public static final String PROBES_AND_REFLECTION_NAMES =
      "grpc.health.v1.Health,grpc.reflection.v1.ServerReflection,grpc.reflection.v1alpha.ServerReflection";

  /** {@link #PROBES_AND_REFLECTION_NAMES} as a set. */
  public static final Set<String> PROBES_AND_REFLECTION = Set.of(PROBES_AND_REFLECTION_NAMES.split(","));

  public static final ServerSecurity NONE = new ServerSecurity(null, null, Set.of());

  public ServerSecurity {
    exemptServices = Set.copyOf(exemptServices);
  }

  /** One line for the start-up log; names files, never their contents. */
  public String describe() {
    String transport =
        tls == null
            ? "plaintext"
            : tls.clientCa() == null
                ? "TLS (" + tls.certChain() + ")"
                : "mutual TLS (" + tls.certChain() + ", clients of " + tls.clientCa() + ")";
    String auth =
        tokens == null
            ? "no token required"
            : "bearer token required (" + tokens + "), except for " + (exemptServices.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(exemptServices)));
    return transport + "; " + auth;
  }
}
