package dev.grpcpair.common.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The streaming calls in flight, so that a stopping server can end them with a status instead of
 * leaving them to grpc's forced shutdown, which resets them: the client would read {@code
 * CANCELLED}, as if it had cancelled itself, rather than {@code UNAVAILABLE}, which says to retry
 * elsewhere. Unary calls are not tracked: they end within their deadline, and the lock below would
 * cost every call.
 *
 * <p>{@code grpc.health.v1.Health/Watch} streams never end by themselves, and a graceful stop waits
 * for every call in flight: they are ended as soon as the stop begins, after the watchers have been
 * told NOT_SERVING. Other streams get the grace period.
 *
 * <p>A stream leaves the set when grpc ends it, in one place however it ends: closed by the server,
 * or cancelled by its client (which leaves, resets the stream or runs out of its deadline). A set
 * that only forgot the streams the server closed kept every abandoned health watch, with its call,
 * context and HTTP/2 stream, for as long as the process ran.
 */
final class OpenStreams implements ServerInterceptor {

  private static final String WATCH = HealthGrpc.getWatchMethod().getFullMethodName();

  private final Set<ClosableCall<?, ?>> open = ConcurrentHashMap.newKeySet();

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    // Unary methods are declared as client streaming to the transport (StrictParsing).
    if (call.getMethodDescriptor().getType().serverSendsOneMessage()) {
      return next.startCall(call, headers);
    }
    ClosableCall<ReqT, RespT> closable = new ClosableCall<>(call);
    open.add(closable);
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(closable, headers);
    } catch (RuntimeException | Error e) {
      open.remove(closable);
      throw e;
    }
    // grpc ends every started call with exactly one of these two.
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        open.remove(closable);
        super.onComplete();
      }

      @Override
      public void onCancel() {
        open.remove(closable);
        super.onCancel();
      }
    };
  }

  /** The streams open now. */
  int size() {
    return open.size();
  }

  /** Ends every open health watch with UNAVAILABLE: the stop has begun. */
  void closeHealthWatches() {
    for (ClosableCall<?, ?> call : open) {
      if (call.getMethodDescriptor().getFullMethodName().equals(WATCH)) {
        call.closeIfOpen(Status.UNAVAILABLE.withDescription("the server is stopping"));
      }
    }
  }

  /** Ends every open stream with UNAVAILABLE: the grace period is over. */
  void closeAll() {
    for (ClosableCall<?, ?> call : open) {
      call.closeIfOpen(
          Status.UNAVAILABLE.withDescription("the server stopped before this call ended; retry"));
    }
  }

  /**
   * A call whose messages and close are serialized by a lock, so it can be closed from another
   * thread than the one the handler sends on.
   */
  private static final class ClosableCall<ReqT, RespT>
      extends SimpleForwardingServerCall<ReqT, RespT> {
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
        super.close(status, trailers);
      }
    }

    void closeIfOpen(Status status) {
      close(status, new Metadata());
    }
  }
}
