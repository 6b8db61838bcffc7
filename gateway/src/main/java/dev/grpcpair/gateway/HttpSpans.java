package dev.grpcpair.gateway;

import dev.grpcpair.common.observability.Telemetry;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.InetSocketAddress;

/**
 * A server span for each HTTP request the gateway answers, named and described as OpenTelemetry's
 * HTTP conventions ask ({@code GET /v2/users/{user_id}}), continuing the caller's trace when the
 * request carries a W3C {@code traceparent}. The gRPC calls made for the request are its children:
 * the span is current while they start.
 */
final class HttpSpans {

  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
  private static final AttributeKey<String> PROTOCOL =
      AttributeKey.stringKey("network.protocol.version");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");

  private static final TextMapGetter<HttpHeaders> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders headers) {
          return headers.names();
        }

        @Override
        public String get(HttpHeaders headers, String key) {
          return headers == null ? null : headers.get(key);
        }
      };

  private final boolean on;
  private final Tracer tracer;
  private final TextMapPropagator propagator;

  HttpSpans(Telemetry telemetry) {
    this.on = telemetry.tracing();
    this.tracer = telemetry.tracer("dev.grpcpair.gateway");
    this.propagator = telemetry.propagators().getTextMapPropagator();
  }

  /** The span of {@code request}, started; a no-op one when traces are off. */
  Span start(FullHttpRequest request, InetSocketAddress client, boolean http2) {
    if (!on) {
      return Span.getInvalid();
    }
    String uri = request.uri();
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    Context caller = propagator.extract(Context.root(), request.headers(), HEADERS);
    String method = request.method().name();
    return tracer
        .spanBuilder(method)
        .setParent(caller)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute(METHOD, method)
        .setAttribute(PATH, path)
        .setAttribute(CLIENT, client.getAddress().getHostAddress())
        .setAttribute(PROTOCOL, http2 ? "2" : request.protocolVersion().text().substring(5))
        .startSpan();
  }

  /** Names the span by the route the request took ({@code GET /v2/users/{user_id}}). */
  static void routed(Span span, String method, String route) {
    span.updateName(method + " " + route);
    span.setAttribute(ROUTE, route);
  }

  /** Ends the span with the answer's status: a 5xx is an error of the gateway's, a 4xx is not. */
  static void end(Span span, int status) {
    span.setAttribute(STATUS, (long) status);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }
}
