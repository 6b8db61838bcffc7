package dev.grpcpair.common.server;

import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;

/**
 * Calls to a method no service has (a mistyped name, a client of another version): answered as grpc
 * answers them, {@code UNIMPLEMENTED "Method not found: NAME"}, but through the request id and the
 * access log, so that they have their line like every other call. grpc would answer them itself,
 * before any interceptor. The name the log shows is the one asked for, with what is not printable
 * ASCII replaced and cut to {@link #LOGGED_NAME_MAX} characters: it is the caller's text.
 */
final class UnknownMethods extends HandlerRegistry {

  static final int LOGGED_NAME_MAX = 200;

  private static final MethodDescriptor.Marshaller<InputStream> UNREAD =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(InputStream value) {
          return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
          return new ByteArrayInputStream(new byte[0]);
        }
      };

  private final List<ServerInterceptor> interceptors;

  /** {@code interceptors} in the server builder's order: the last one added runs first. */
  UnknownMethods(List<ServerInterceptor> interceptors) {
    this.interceptors = List.copyOf(interceptors);
  }

  @Override
  public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
    MethodDescriptor<InputStream, InputStream> method =
        MethodDescriptor.newBuilder(UNREAD, UNREAD)
            .setType(MethodDescriptor.MethodType.UNKNOWN)
            .setFullMethodName(printable(methodName))
            .build();
    ServerCallHandler<InputStream, InputStream> handler = notFound(methodName);
    for (ServerInterceptor interceptor : interceptors) {
      ServerCallHandler<InputStream, InputStream> next = handler;
      handler = (call, headers) -> interceptor.interceptCall(call, headers, next);
    }
    return ServerMethodDefinition.create(method, handler);
  }

  private static ServerCallHandler<InputStream, InputStream> notFound(String methodName) {
    return (ServerCall<InputStream, InputStream> call, Metadata headers) -> {
      call.close(
          Status.UNIMPLEMENTED.withDescription("Method not found: " + methodName), new Metadata());
      return new ServerCall.Listener<>() {};
    };
  }

  static String printable(String name) {
    StringBuilder shown = new StringBuilder(Math.min(name.length(), LOGGED_NAME_MAX + 3));
    for (int i = 0; i < name.length() && i < LOGGED_NAME_MAX; i++) {
      char c = name.charAt(i);
      shown.append(c > ' ' && c < 0x7f ? c : '?');
    }
    return name.length() > LOGGED_NAME_MAX ? shown.append("...").toString() : shown.toString();
  }
}
