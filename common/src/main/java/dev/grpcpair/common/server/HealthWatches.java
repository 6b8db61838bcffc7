package dev.grpcpair.common.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ends open {@code grpc.health.v1.Health/Watch} streams when the server stops.
 *
 * <p>A watch never ends by itself, and a graceful stop waits for every call in flight: without
 * this, each client doing client-side health checking (the Post server's UserClient) would hold a
 * stopping server for its whole grace period. The watchers have been told NOT_SERVING by then.
 */
final class HealthWatches implements ServerInterceptor {

  private static final String WATCH = HealthGrpc.getWatchMethod().getFullMethodName();

  private final Set<ClosableCall<?, ?>> open = ConcurrentHashMap.newKeySet();

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (!call.getMethodDescriptor().getFullMethodName().equals(WATCH)) {
      return next.startCall(call, headers);
    }
    ClosableCall<ReqT, RespT> closable = new ClosableCall<>(call);
    open.add(closable);
    return next.startCall(closable, headers);
  }

  /** Closes every open watch with UNAVAILABLE, as a server going away does. */
  void closeAll() {
    for (ClosableCall<?, ?> call : open) {
      call.closeIfOpen(Status.UNAVAILABLE.withDescription("the server is stopping"));
    }
  }

  /**
   * A call whose messages and close are serialized by a lock, so it can be closed from another
   * thread than the one the health service sends on.
   */
  private final class ClosableCall<ReqT, RespT> extends SimpleForwardingServerCall<ReqT, RespT> {
    private boolean closed;

    ClosableCall(ServerCall<ReqT, RespT> call) {
      super(call);
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        open.remove(this);
        super.close(status, trailers);
      }
    }

    synchronized void closeIfOpen(Status status) {
      close(status, new Metadata());
    }
  }
}
