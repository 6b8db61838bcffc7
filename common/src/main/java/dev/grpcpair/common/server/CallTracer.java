package dev.grpcpair.common.server;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;

/**
 * What a server keeps of each call beyond what interceptors are told, in one stream tracer and one
 * context value per call however many parts need it: the connection the call came on ({@link
 * ConnectionLimit} counts its open calls), a cancellable context that resets the stream ({@link
 * OutboundBudget} drops unread answers with it), the call's answers as the budget holds them, and
 * the status the transport ended the stream with (the access log's, for a call that reached
 * interceptors only as a cancellation).
 */
final class CallTracer extends ServerStreamTracer {

  private static final Context.Key<CallTracer> KEY = Context.key("call");

  private Context.CancellableContext context;
  private ConnectionLimit.Connection connection;
  private volatile Status endedWith;
  volatile OutboundBudget.Answers<?, ?> answers;

  private CallTracer() {}

  /** Traces every call of {@code builder}'s server. */
  static void install(ServerBuilder<?> builder) {
    builder.addStreamTracerFactory(
        new ServerStreamTracer.Factory() {
          @Override
          public ServerStreamTracer newServerStreamTracer(String method, Metadata headers) {
            return new CallTracer();
          }
        });
  }

  /** The tracer of the call this thread is handling; null outside a call, or in-process. */
  static CallTracer current() {
    return KEY.get();
  }

  /** How the transport ended the current call's stream; null while it is open, or unknown. */
  static Status transportStatus() {
    CallTracer tracer = KEY.get();
    return tracer == null ? null : tracer.endedWith;
  }

  /** The call's own context: cancelling it with {@code DEADLINE_EXCEEDED} resets its stream. */
  Context.CancellableContext cancellableContext() {
    return context;
  }

  @Override
  public Context filterContext(Context parent) {
    context = parent.withCancellation();
    return context.withValue(KEY, this);
  }

  @Override
  public void serverCallStarted(ServerCallInfo<?, ?> callInfo) {
    connection = ConnectionLimit.callStarted(callInfo.getAttributes());
  }

  @Override
  public void streamClosed(Status status) {
    endedWith = status;
    ConnectionLimit.callEnded(connection);
  }
}
