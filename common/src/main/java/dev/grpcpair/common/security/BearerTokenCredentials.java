package dev.grpcpair.common.security;

import dev.grpcpair.common.config.InvalidConfigException;
import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.SecurityLevel;
import io.grpc.Status;
import java.util.concurrent.Executor;

/**
 * Attaches {@code authorization: Bearer <token>} to every call. Refuses, failing the call with
 * UNAUTHENTICATED, to send the token where the transport does not encrypt it, unless told that is
 * acceptable (a trusted local network, a test).
 */
public final class BearerTokenCredentials extends CallCredentials {

  private final String token;
  private final boolean allowInsecureTransport;

  public BearerTokenCredentials(String token, boolean allowInsecureTransport) {
    if (token.isBlank()) {
      throw new InvalidConfigException("the bearer token is empty");
    }
    this.token = token.strip();
    this.allowInsecureTransport = allowInsecureTransport;
  }

  @Override
  public void applyRequestMetadata(
      RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    if (requestInfo.getSecurityLevel() != SecurityLevel.PRIVACY_AND_INTEGRITY
        && !allowInsecureTransport) {
      applier.fail(
          Status.UNAUTHENTICATED.withDescription(
              "refusing to send a bearer token to "
                  + requestInfo.getAuthority()
                  + " over a connection without TLS"));
      return;
    }
    Metadata headers = new Metadata();
    headers.put(BearerAuthInterceptor.AUTHORIZATION, "Bearer " + token);
    applier.apply(headers);
  }

  @Override
  public String toString() {
    // Never the token.
    return "BearerTokenCredentials{allowInsecureTransport=" + allowInsecureTransport + "}";
  }
}
