package dev.grpcpair.gateway;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Locale;

/**
 * The request headers grpc-gateway passes on to the gRPC call, passed on here the same way: {@code
 * Authorization} as it is, and each {@code Grpc-Metadata-<key>} as {@code <key>}. (X-Request-Id
 * travels through {@link dev.grpcpair.common.observability.RequestId}, as between the servers.)
 */
final class ForwardedMetadata {

  private static final String PREFIX = "grpc-metadata-";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Metadata> FORWARDED = Context.key("forwarded-metadata");

  private ForwardedMetadata() {}

  /** Keeps what the incoming request's headers pass on, for the call made on its behalf. */
  static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Metadata forwarded = new Metadata();
        for (String name : headers.keys()) {
          String lower = name.toLowerCase(Locale.ROOT);
          if (lower.startsWith(PREFIX) && lower.length() > PREFIX.length()) {
            copy(headers, name, forwarded, lower.substring(PREFIX.length()));
          }
        }
        String authorization = headers.get(AUTHORIZATION);
        if (authorization != null) {
          forwarded.put(AUTHORIZATION, authorization);
        }
        if (forwarded.keys().isEmpty()) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(
            Context.current().withValue(FORWARDED, forwarded), call, headers, next);
      }
    };
  }

  /** Adds what {@link #serverInterceptor} kept to the User call. */
  static ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Metadata forwarded = FORWARDED.get();
        if (forwarded == null) {
          return next.newCall(method, options);
        }
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.merge(forwarded);
            super.start(listener, headers);
          }
        };
      }
    };
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
