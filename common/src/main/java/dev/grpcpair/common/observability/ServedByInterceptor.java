package dev.grpcpair.common.observability;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.function.Supplier;

/**
 * Names the replica that answered in every response's headers ({@code x-served-by}), so a caller,
 * or a client balancing over several replicas, can see where each call went.
 */
public final class ServedByInterceptor implements ServerInterceptor {

  public static final Metadata.Key<String> SERVED_BY =
      Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER);

  private final Supplier<String> replicaName;

  /**
   * {@code replicaName} is asked on every call: a default name may only be known once listening.
   */
  public ServedByInterceptor(Supplier<String> replicaName) {
    this.replicaName = replicaName;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    return next.startCall(
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.put(SERVED_BY, replicaName.get());
            super.sendHeaders(responseHeaders);
          }
        },
        headers);
  }
}
