package dev.grpcpair.common.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Lets a call through only with {@code authorization: Bearer <token>} for a known token, and puts
 * the token's identity in the {@link Context} ({@link Identity#current()}). Services named in
 * {@code exemptServices} (health checks, reflection) are reachable without a token.
 *
 * <p>Every rejection has the same description, so a caller learns nothing about which tokens or
 * identities exist.
 */
public final class BearerAuthInterceptor implements ServerInterceptor {

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";
  private static final Status REJECTED =
      Status.UNAUTHENTICATED.withDescription("a valid bearer token is required");

  private final AuthTokens tokens;
  private final Set<String> exemptServices;

  public BearerAuthInterceptor(AuthTokens tokens, Collection<String> exemptServices) {
    this.tokens = tokens;
    this.exemptServices = Set.copyOf(exemptServices);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (exemptServices.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    Optional<String> identity = identityOf(headers.get(AUTHORIZATION));
    if (identity.isEmpty()) {
      call.close(REJECTED, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context context = Context.current().withValue(Identity.KEY, identity.get());
    return Contexts.interceptCall(context, call, headers, next);
  }

  private Optional<String> identityOf(String authorization) {
    if (authorization == null
        || authorization.length() <= BEARER.length()
        || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
      return Optional.empty();
    }
    return tokens.identify(authorization.substring(BEARER.length()).strip());
  }
}
