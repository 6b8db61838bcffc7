package dev.grpcpair.common.client;

import dev.grpcpair.common.observability.CallTrail;
import dev.grpcpair.common.observability.ServedByInterceptor;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Tells a Post server's caller which User replicas answered its call: the UserClient records each
 * answer's {@code x-served-by}, and the Post server returns them in the trailer {@code
 * x-user-served-by} (comma-separated). Shows where load balancing sent each call.
 */
public final class UserReplicaTrail {

  /** The trailer naming the User replicas that answered, comma-separated. */
  public static final Metadata.Key<String> USER_SERVED_BY =
      Metadata.Key.of("x-user-served-by", Metadata.ASCII_STRING_MARSHALLER);

  private UserReplicaTrail() {}

  /**
   * A call's trail that keeps the User replicas that answered the calls made while handling it (a
   * server's calls do; the gateway's HTTP requests do not, and their User calls are not watched).
   */
  public interface Kept {
    /** Records that User replica {@code replica} answered one of them. */
    void userReplicaAnswered(String replica);

    /** The User replicas recorded so far, sorted and comma-separated; null for none. */
    String userReplicas();
  }

  /**
   * On the Post server: sends the replicas that answered each call's User calls as a trailer. They
   * are kept in the call's trail ({@link CallTrail}, {@link Kept}), not in a context value of their
   * own: each value added to a call's context is a copy of its map, and the calls that wait on the
   * User service hold it.
   */
  public static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        if (!(CallTrail.current() instanceof Kept trail)) {
          return next.startCall(call, headers); // no trail: a server without its call tracer
        }
        return next.startCall(
            new SimpleForwardingServerCall<>(call) {
              @Override
              public void close(Status status, Metadata trailers) {
                String replicas = trail.userReplicas();
                if (replicas != null) {
                  trailers.put(USER_SERVED_BY, replicas);
                }
                super.close(status, trailers);
              }
            },
            headers);
      }
    };
  }

  /** On the UserClient's channel: records which replica answered in the caller's trail. */
  public static ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        if (!(CallTrail.current() instanceof Kept trail)) {
          return next.newCall(method, callOptions); // the gateway's requests: nothing to record
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
                      trail.userReplicaAnswered(replica);
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
