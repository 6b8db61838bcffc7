package dev.grpcpair.common.observability;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code x-request-id} that follows one request through every server it touches: taken from the
 * incoming call (or made up) as its stream opens ({@link #of}), kept in the call's {@link
 * CallTrail} for handlers and logs, returned in the response headers ({@link
 * #serverInterceptor()}), and passed on by clients that carry {@link #clientInterceptor()}.
 */
public final class RequestId {

  public static final Metadata.Key<String> HEADER =
      Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

  /** The longest id a caller may send. */
  private static final int MAX_LENGTH = 128;

  /** What OpenTelemetry's conventions call a gRPC request header recorded on a span. */
  private static final AttributeKey<List<String>> SPAN_ATTRIBUTE =
      AttributeKey.stringArrayKey("rpc.grpc.request.metadata.x-request-id");

  private RequestId() {}

  /** The id of a call whose stream opened with {@code headers}: the caller's, or a new one. */
  public static String of(Metadata headers) {
    String offered = headers.get(HEADER);
    // An id that could forge log lines or bloat them is replaced, not trusted.
    return offered != null && acceptable(offered) ? offered : newId();
  }

  /**
   * Server side: sends the call's id back in the response headers, and records it on the call's
   * span.
   */
  public static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        CallTrail trail = CallTrail.current();
        String id = trail == null ? null : trail.requestId();
        if (id == null) {
          return next.startCall(call, headers); // no trail: a server without its call tracer
        }
        // On the call's span, if it is traced: its trace found from the id, and the other way.
        Span span = trail.span();
        if (span.isRecording()) {
          span.setAttribute(SPAN_ATTRIBUTE, List.of(id));
        }
        return next.startCall(
            new SimpleForwardingServerCall<>(call) {
              @Override
              public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(HEADER, id);
                super.sendHeaders(responseHeaders);
              }
            },
            headers);
      }
    };
  }

  /**
   * Short, and safe to write into a log line: {@code [A-Za-z0-9._:/+=-]{1,128}}. A loop, not a
   * regex: it runs on every call, and a regex showed in the User server's profile.
   */
  public static boolean acceptable(String id) {
    if (id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean safe =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "._:/+=-".indexOf(c) >= 0;
      if (!safe) {
        return false;
      }
    }
    return true;
  }

  /**
   * A random id in UUID form. From {@link ThreadLocalRandom}, not {@code UUID.randomUUID()}: an id
   * only has to be unique enough to find a request in the logs, not unguessable, and {@code
   * SecureRandom} costs every call that arrives without an id a shared, slower generator.
   */
  public static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  /**
   * Client side: sends the current call's (or HTTP request's) id along with every outgoing call
   * made while handling it, in place of any {@code x-request-id} the call's metadata had (one the
   * gateway passed on from a {@code Grpc-Metadata-X-Request-Id} header, say): one id per call.
   */
  public static ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        CallTrail trail = CallTrail.current();
        String id = trail == null ? null : trail.requestId();
        return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
          @Override
          public void start(Listener<RespT> responseListener, Metadata headers) {
            if (id != null) {
              headers.removeAll(HEADER);
              headers.put(HEADER, id);
            }
            super.start(responseListener, headers);
          }
        };
      }
    };
  }
}
