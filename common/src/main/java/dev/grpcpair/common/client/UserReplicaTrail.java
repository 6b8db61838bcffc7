package dev.grpcpair.common.client;

import dev.grpcpair.common.observability.ServedByInterceptor;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Tells a Post server's caller which User replicas answered its call: the UserClient records each
 * answer's {@code x-served-by}, and the Post server returns them in the trailer {@code
 * x-user-served-by} (comma-separated). Shows where load balancing sent each call.
 */
public final class UserReplicaTrail {

  /** The trailer naming the User replicas that answered, comma-separated. */
  public static final Metadata.Key<String> USER_SERVED_BY =
      Metadata.Key.of("x-user-served-by", Metadata.ASCII_STRING_MARSHALLER);

  private static final Context.Key<Set<String>> REPLICAS = Context.key("user-replicas");

  private UserReplicaTrail() {}

  /** On the Post server: collects the replicas of each call and sends them as a trailer. */
  public static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        Set<String> replicas = new ConcurrentSkipListSet<>();
        ServerCall<ReqT, RespT> reporting =
            new SimpleForwardingServerCall<>(call) {
              @Override
              public void close(Status status, Metadata trailers) {
                if (!replicas.isEmpty()) {
                  trailers.put(USER_SERVED_BY, String.join(",", replicas));
                }
                super.close(status, trailers);
              }
            };
        return Contexts.interceptCall(
            Context.current().withValue(REPLICAS, replicas), reporting, headers, next);
      }
    };
  }

  /** On the UserClient's channel: records which replica answered into the caller's collection. */
  public static ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        Set<String> replicas = REPLICAS.get();
        if (replicas == null) {
          return next.newCall(method, callOptions);
        }
        return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
          @Override
          public void start(Listener<RespT> responseListener, Metadata headers) {
            super.start(
                new SimpleForwardingClientCallListener<>(responseListener) {
                  @Override
                  public void onHeaders(Metadata responseHeaders) {
                    String replica = responseHeaders.get(ServedByInterceptor.SERVED_BY);
                    if (replica != null) {
                      replicas.add(replica);
                    }
                    super.onHeaders(responseHeaders);
                  }
                },
                headers);
          }
        };
      }
    };
  }
}
