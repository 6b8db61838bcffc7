package dev.grpcpair.gateway;

import com.linecorp.armeria.server.ServiceRequestContext;
import dev.grpcpair.common.observability.RequestId;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Locale;

/**
 * Metadata both ways, as grpc-gateway passes it: the request's {@code Authorization} and each
 * {@code Grpc-Metadata-<key>} (as {@code <key>}) on to the User call, and the User server's
 * response headers back to the caller ({@link JsonResponseHeaders} then names them {@code
 * Grpc-Metadata-<key>}). X-Request-Id travels through {@link
 * dev.grpcpair.common.observability.RequestId}, as between the servers.
 */
final class ForwardedMetadata {

  private static final String PREFIX = "grpc-metadata-";
  private static final Metadata.Key<String> AUTHORIZATION = asciiKey("authorization");
  private static final Metadata.Key<String> X_FORWARDED_FOR = asciiKey("x-forwarded-for");
  private static final Metadata.Key<String> X_FORWARDED_HOST = asciiKey("x-forwarded-host");
  private static final Context.Key<Passed> PASSED = Context.key("passed-metadata");

  /** One request's metadata for the User call, and the User server's answer headers. */
  private static final class Passed {
    final Metadata request = new Metadata();
    volatile Metadata response;
  }

  private ForwardedMetadata() {}

  /** Keeps what the incoming request passes on; gives its answer the User server's headers. */
  static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Passed passed = new Passed();
        for (String name : headers.keys()) {
          String lower = name.toLowerCase(Locale.ROOT);
          if (lower.startsWith(PREFIX) && lower.length() > PREFIX.length()) {
            copy(headers, name, passed.request, lower.substring(PREFIX.length()));
          }
        }
        String authorization = headers.get(AUTHORIZATION);
        if (authorization != null) {
          passed.request.put(AUTHORIZATION, authorization);
        }
        ServiceRequestContext http = ServiceRequestContext.currentOrNull();
        if (http != null) {
          // Who asked, and under which name, as grpc-gateway tells the server behind it.
          String client = http.remoteAddress().getAddress().getHostAddress();
          String before = headers.get(X_FORWARDED_FOR);
          passed.request.put(X_FORWARDED_FOR, before == null ? client : before + ", " + client);
          String host = http.request().authority();
          if (host != null) {
            passed.request.put(X_FORWARDED_HOST, host);
          }
        }
        ServerCall<Q, R> answering =
            new SimpleForwardingServerCall<>(call) {
              @Override
              public void sendHeaders(Metadata answer) {
                Metadata fromUser = passed.response;
                if (fromUser != null) {
                  for (String name : fromUser.keys()) {
                    // The request id is echoed by RequestId's own interceptor, once.
                    if (!name.equals(RequestId.HEADER.name())
                        && !name.endsWith(Metadata.BINARY_HEADER_SUFFIX)
                        && !answer.containsKey(asciiKey(name))) {
                      copy(fromUser, name, answer, name);
                    }
                  }
                }
                super.sendHeaders(answer);
              }
            };
        return Contexts.interceptCall(
            Context.current().withValue(PASSED, passed), answering, headers, next);
      }
    };
  }

  /** Adds what {@link #serverInterceptor} kept to the User call, and keeps its answer headers. */
  static ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Passed passed = PASSED.get();
        if (passed == null) {
          return next.newCall(method, options);
        }
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.merge(passed.request);
            super.start(
                new SimpleForwardingClientCallListener<>(listener) {
                  @Override
                  public void onHeaders(Metadata answer) {
                    passed.response = answer;
                    super.onHeaders(answer);
                  }
                },
                headers);
          }
        };
      }
    };
  }

  private static Metadata.Key<String> asciiKey(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  private static void copy(Metadata from, String name, Metadata to, String as) {
    if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
      Metadata.Key<byte[]> key = Metadata.Key.of(as, Metadata.BINARY_BYTE_MARSHALLER);
      for (byte[] value : from.getAll(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER))) {
        to.put(key, value);
      }
    } else {
      Metadata.Key<String> key = Metadata.Key.of(as, Metadata.ASCII_STRING_MARSHALLER);
      for (String value : from.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))) {
        to.put(key, value);
      }
    }
  }
}
