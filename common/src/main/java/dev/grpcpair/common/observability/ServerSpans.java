package dev.grpcpair.common.observability;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * A server span for each call served, named {@code package.Service/Method} as OpenTelemetry's
 * conventions name it, the child of the caller's span when the call carries a W3C {@code
 * traceparent}; it ends with the status the call's stream ends with.
 *
 * <p>Started by the server's per-call stream tracer, as grpc-java's own tracing is: with the call's
 * headers, before any interceptor, in the trail ({@link CallTrail}) every interceptor and the
 * handler run in, so a call costs no interceptor or context value of its own, and an unsampled one
 * (most of them) little more than its ids.
 */
public final class ServerSpans {

  /** Traces off: every call's span is the invalid one, and nothing is read or made. */
  public static final ServerSpans NONE = new ServerSpans(null, null, false);

  /**
   * grpc's own services (health, reflection) are not traced: a probe every few seconds, or a health
   * watch that lasts as long as its client, would be traces of their own that nobody looks for. A
   * prefix, not a set of names: hashing each call's method name showed in the Post server's
   * profile.
   */
  private static final String UNTRACED_PREFIX = "grpc.";

  private static final AttributeKey<String> PEER = AttributeKey.stringKey("network.peer.address");

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final boolean parentBased;

  /** {@code parentBased}: whether the sampler drops the children of a parent not sampled. */
  ServerSpans(Tracer tracer, TextMapPropagator propagator, boolean parentBased) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.parentBased = parentBased;
  }

  /** The span of a call to {@code fullMethodName} whose stream opened with {@code headers}. */
  public Span start(String fullMethodName, Metadata headers) {
    if (tracer == null || fullMethodName.startsWith(UNTRACED_PREFIX)) {
      return Span.getInvalid();
    }
    io.opentelemetry.context.Context caller =
        propagator.extract(io.opentelemetry.context.Context.root(), headers, CallSpans.HEADERS_IN);
    Span parent = Span.fromContext(caller);
    if (CallSpans.dropsChildrenOf(parent, parentBased)) {
      return parent;
    }
    return tracer
        .spanBuilder(fullMethodName)
        .setParent(caller)
        .setSpanKind(SpanKind.SERVER)
        .startSpan();
  }

  /** Describes {@code span}, if it records, by the call it is the span of. */
  public static void started(Span span, ServerStreamTracer.ServerCallInfo<?, ?> call) {
    if (span.isRecording()) {
      span.setAllAttributes(CallSpans.of(call.getMethodDescriptor()));
      SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      if (peer instanceof InetSocketAddress address && address.getAddress() != null) {
        span.setAttribute(PEER, address.getAddress().getHostAddress());
      }
    }
  }

  /** Ends {@code span} with the status its call's stream ended with. */
  public static void ended(Span span, Status status) {
    CallSpans.end(span, status, true);
  }
}
