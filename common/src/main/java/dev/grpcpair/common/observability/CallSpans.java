package dev.grpcpair.common.observability;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the server and client spans share: the span of the call being handled, kept in its {@link
 * CallTrail}, so that every continuation grpc's context follows, on any thread, makes its calls the
 * children of that span; OpenTelemetry's semantic conventions for RPC (names, attributes, which
 * statuses are errors); and {@code traceparent} in metadata.
 */
public final class CallSpans {

  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");

  /** A server's failures (not its callers'): the others are the caller's error, if anybody's. */
  private static final Set<Status.Code> SERVER_ERRORS =
      EnumSet.of(
          Status.Code.UNKNOWN,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.UNIMPLEMENTED,
          Status.Code.INTERNAL,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS);

  private static final Map<String, Attributes> METHODS = new ConcurrentHashMap<>();

  /**
   * The headers propagators read and write ({@code traceparent}, {@code tracestate}, {@code
   * baggage}): a key made once each, not on every call.
   */
  private static final Map<String, Metadata.Key<String>> KEYS = new ConcurrentHashMap<>();

  static final TextMapGetter<Metadata> HEADERS_IN =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata headers) {
          return headers.keys();
        }

        @Override
        public String get(Metadata headers, String key) {
          return headers == null ? null : headers.get(key(key));
        }
      };

  /** Replaces, not adds: a retried attempt's headers carry the call's {@code traceparent}. */
  static final TextMapSetter<Metadata> HEADERS_OUT =
      (headers, key, value) -> {
        Metadata.Key<String> header = key(key);
        headers.removeAll(header);
        headers.put(header, value);
      };

  private CallSpans() {}

  /**
   * The span of the call (or HTTP request) this thread is handling; the invalid span when there is
   * none or traces are off.
   */
  public static Span current() {
    CallTrail trail = CallTrail.current();
    return trail == null ? Span.getInvalid() : trail.span();
  }

  /**
   * Whether a child of {@code parent} would be dropped whatever it was: under a parent-based
   * sampler (the default), the children of a parent not sampled are. Such a call needs no span of
   * its own: {@code parent} goes on in its place, so that the next hop drops its part too, and no
   * ids are made for spans nobody records.
   */
  static boolean dropsChildrenOf(Span parent, boolean parentBased) {
    SpanContext context = parent.getSpanContext();
    return parentBased && context.isValid() && !context.isSampled();
  }

  private static Metadata.Key<String> key(String name) {
    // get() first: computeIfAbsent locks the key's bin when the key is not the bin's first.
    Metadata.Key<String> key = KEYS.get(name);
    return key != null
        ? key
        : KEYS.computeIfAbsent(name, n -> Metadata.Key.of(n, Metadata.ASCII_STRING_MARSHALLER));
  }

  /**
   * {@code rpc.system}, {@code rpc.service}, {@code rpc.method}: made once per method, and set only
   * on spans that record (the samplers here do not read them).
   */
  static Attributes of(MethodDescriptor<?, ?> method) {
    return METHODS.computeIfAbsent(
        method.getFullMethodName(),
        name ->
            Attributes.of(
                RPC_SYSTEM,
                "grpc",
                RPC_SERVICE,
                String.valueOf(method.getServiceName()),
                RPC_METHOD,
                String.valueOf(method.getBareMethodName())));
  }

  /**
   * Ends {@code span} with the call's {@code status}: on a client span any failure is an error, on
   * a server span only the server's own ({@code INTERNAL}, {@code UNAVAILABLE}, ...).
   */
  static void end(Span span, Status status, boolean server) {
    if (!span.isRecording()) {
      return; // most calls: nothing to describe or end
    }
    span.setAttribute(STATUS_CODE, (long) status.getCode().value());
    if (!status.isOk() && (!server || SERVER_ERRORS.contains(status.getCode()))) {
      span.setStatus(StatusCode.ERROR, status.getCode().name());
    }
    span.end();
  }
}
