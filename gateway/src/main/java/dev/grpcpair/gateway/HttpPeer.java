package dev.grpcpair.gateway;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Attributes;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Gives each call the HTTP client's address where grpc's servers keep it ({@link
 * Grpc#TRANSPORT_ATTR_REMOTE_ADDR}), which Armeria's calls leave empty: the access log's {@code
 * peer=} is then the same field on the gateway as on the servers.
 */
final class HttpPeer implements ServerInterceptor {

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServiceRequestContext request = ServiceRequestContext.currentOrNull();
    if (request == null || call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) != null) {
      return next.startCall(call, headers);
    }
    Attributes attributes =
        call.getAttributes().toBuilder()
            .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, request.remoteAddress())
            .build();
    return next.startCall(
        new SimpleForwardingServerCall<>(call) {
          @Override
          public Attributes getAttributes() {
            return attributes;
          }
        },
        headers);
  }
}
