package dev.grpcpair.common.server;

import dev.grpcpair.common.client.UserReplicaTrail;
import dev.grpcpair.common.observability.CallTrail;
import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.common.observability.ServerSpans;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a server keeps of each call beyond what interceptors are told, in one stream tracer and one
 * context value per call however many parts need it: the call's trail (its request id and span,
 * {@link CallTrail}), the connection the call came on ({@link ConnectionLimit} counts its open
 * calls), a cancellable context that resets the stream ({@link OutboundBudget} drops unread answers
 * with it), the call's answers as the budget holds them, the status the transport ended the stream
 * with (the access log's, for a call that reached interceptors only as a cancellation), and the
 * User replicas that answered the calls it made.
 */
final class CallTracer extends ServerStreamTracer implements CallTrail, UserReplicaTrail.Kept {

  private final String requestId;
  private final Span span;
  private Context.CancellableContext context;
  private ConnectionLimit.Connection connection;
  private volatile Status endedWith;
  volatile OutboundBudget.Answers<?, ?> answers;
  // The first User replica that answered, and a set of them once another has: most calls ask
  // one replica or none, and a set and its joined list per call showed in the Post server's
  // allocations. Guarded by this.
  private String userReplica;
  private Set<String> userReplicas;

  private CallTracer(String requestId, Span span) {
    this.requestId = requestId;
    this.span = span;
  }

  /** Traces every call of {@code builder}'s server, each with a span from {@code spans}. */
  static void install(ServerBuilder<?> builder, ServerSpans spans) {
    builder.addStreamTracerFactory(
        new ServerStreamTracer.Factory() {
          @Override
          public ServerStreamTracer newServerStreamTracer(String method, Metadata headers) {
            return new CallTracer(RequestId.of(headers), spans.start(method, headers));
          }
        });
  }

  /** The tracer of the call this thread is handling; null outside a call, or in-process. */
  static CallTracer current() {
    return CallTrail.current() instanceof CallTracer tracer ? tracer : null;
  }

  /** How the transport ended the current call's stream; null while it is open, or unknown. */
  static Status transportStatus() {
    CallTracer tracer = current();
    return tracer == null ? null : tracer.endedWith;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public Span span() {
    return span;
  }

  @Override
  public synchronized void userReplicaAnswered(String replica) {
    if (userReplica == null) {
      userReplica = replica;
    } else if (userReplicas != null || !userReplica.equals(replica)) {
      if (userReplicas == null) {
        userReplicas = new TreeSet<>(Set.of(userReplica));
      }
      userReplicas.add(replica);
    }
  }

  @Override
  public synchronized String userReplicas() {
    return userReplicas == null ? userReplica : String.join(",", userReplicas);
  }

  /** The call's own context: cancelling it with {@code DEADLINE_EXCEEDED} resets its stream. */
  Context.CancellableContext cancellableContext() {
    return context;
  }

  @Override
  public Context filterContext(Context parent) {
    context = parent.withCancellation();
    return context.withValue(CallTrail.KEY, this);
  }

  @Override
  public void serverCallStarted(ServerCallInfo<?, ?> callInfo) {
    connection = ConnectionLimit.callStarted(callInfo.getAttributes());
    ServerSpans.started(span, callInfo);
  }

  @Override
  public void streamClosed(Status status) {
    endedWith = status;
    ConnectionLimit.callEnded(connection, status);
    ServerSpans.ended(span, status);
  }
}
