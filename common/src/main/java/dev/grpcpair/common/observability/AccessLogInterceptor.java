package dev.grpcpair.common.observability;

import dev.grpcpair.common.security.Identity;
import io.grpc.Attributes;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.opentelemetry.api.trace.SpanContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per call: method, status, duration, peer, authenticated identity, request id and,
 * when the call is traced, its trace id (to find the call's trace from its line). Never a message's
 * content, a header's value other than the request id, or a token.
 *
 * <p>A call the server closes is logged with the status it closed it with. A call the transport
 * ends (a request over the size limit, a deadline, the client's cancel) reaches interceptors only
 * as a cancellation; the server's stream tracer records the status the client was sent, so the line
 * says {@code RESOURCE_EXHAUSTED} or {@code DEADLINE_EXCEEDED}, not just {@code CANCELLED}.
 *
 * <p>Health checks and reflection calls that succeed (or, for a health watch, end with the server's
 * stop) are logged at DEBUG: probes every few seconds would bury the calls that matter. Their
 * failures stay at INFO.
 */
public final class AccessLogInterceptor implements ServerInterceptor {

  // slf4j decides whether a line is written (its level for "access"); the line itself is written
  // here, into a buffer each thread reuses: slf4j-simple would build it twice more, in a growing
  // StringBuilder and a String, for every call.
  private static final Logger log = LoggerFactory.getLogger("access");
  private static final ThreadLocal<StringBuilder> LINE =
      ThreadLocal.withInitial(() -> new StringBuilder(256));
  private static final Attributes.Key<String> PEER = Attributes.Key.create("access-log-peer");

  private final Supplier<Status> endedByTransport;

  /**
   * {@code endedByTransport} tells, while a cancelled call's listener runs, the status its stream
   * ended with (null if unknown).
   */
  public AccessLogInterceptor(Supplier<Status> endedByTransport) {
    this.endedByTransport = endedByTransport;
  }

  /** Names each connection's peer once, for the lines of all its calls. */
  public void install(ServerBuilder<?> builder) {
    builder.addTransportFilter(
        new ServerTransportFilter() {
          @Override
          public Attributes transportReady(Attributes attributes) {
            String peer = String.valueOf(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return attributes.toBuilder().set(PEER, peer).build();
          }
        });
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    // Named when the connection was ready (install).
    String peer = call.getAttributes().get(PEER);
    // Kept by the server's per-call tracer from the moment the stream opened.
    CallTrail trail = CallTrail.current();
    String requestId = trail == null || trail.requestId() == null ? "-" : trail.requestId();
    String traceId = trail == null ? null : traceId(trail.span().getSpanContext());
    AtomicBoolean logged = new AtomicBoolean();
    ServerCall<ReqT, RespT> logging =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            // The identity is set inside the auth interceptor's Context, which close runs in.
            logOnce(
                logged,
                method,
                status.getCode(),
                start,
                peer,
                Identity.current().orElse("-"),
                requestId,
                traceId);
            super.close(status, trailers);
          }
        };
    return new SimpleForwardingServerCallListener<>(next.startCall(logging, headers)) {
      @Override
      public void onCancel() {
        Status ended = endedByTransport.get();
        Status.Code code = ended == null ? Status.Code.CANCELLED : ended.getCode();
        logOnce(logged, method, code, start, peer, "-", requestId, traceId);
        super.onCancel();
      }
    };
  }

  /** The trace id of {@code span}, or null for none (a call that is not traced). */
  public static String traceId(SpanContext span) {
    return span.isValid() ? span.getTraceId() : null;
  }

  private static void logOnce(
      AtomicBoolean logged,
      String method,
      Status.Code code,
      long start,
      String peer,
      String identity,
      String requestId,
      String traceId) {
    if (logged.compareAndSet(false, true)) {
      boolean routine =
          (method.startsWith("grpc.health.") || method.startsWith("grpc.reflection."))
              && (code == Status.Code.OK || code == Status.Code.CANCELLED);
      log(method, code, start, peer, identity, requestId, traceId, routine);
    }
  }

  /**
   * Writes one access-log line in the servers' format, for a request that was not a gRPC call on
   * this server (the gateway's HTTP requests): at DEBUG if {@code routine} (a health probe), else
   * INFO. {@code traceId} is null when the request is not traced.
   */
  public static void log(
      String method,
      Status.Code code,
      long startNanos,
      String peer,
      String identity,
      String requestId,
      String traceId,
      boolean routine) {
    if (routine ? log.isDebugEnabled() : log.isInfoEnabled()) {
      long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNanos);
      long fraction = micros % 1000;
      StringBuilder line = LINE.get();
      line.setLength(0);
      // slf4j-simple's prefix, as simplelogger.properties sets it for every other line.
      line.append('[')
          .append(Thread.currentThread().getName())
          .append(routine ? "] [DEBUG] access - " : "] [INFO] access - ")
          .append(method)
          .append(' ')
          .append(code.name())
          .append(' ')
          .append(micros / 1000)
          .append(fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".")
          .append(fraction)
          .append("ms peer=")
          .append(peer)
          .append(" identity=")
          .append(identity)
          .append(" request_id=")
          .append(requestId);
      if (traceId != null) {
        line.append(" trace_id=").append(traceId);
      }
      LogOutput.println(line);
    }
  }
}
