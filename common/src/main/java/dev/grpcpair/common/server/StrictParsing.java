package dev.grpcpair.common.server;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses requests where a failure becomes a status a caller can act on: {@code INVALID_ARGUMENT:
 * request is not a valid v1.user.GetUserRequest} for bytes that do not parse (truncated, invalid
 * UTF-8, nested too deep), {@code RESOURCE_EXHAUSTED} for a compressed request that inflates past
 * the size limit.
 *
 * <p>grpc-java parses a request before any interceptor sees it, and a parse failure there ends the
 * call as {@code UNKNOWN} with a stack trace in the log, bypassing the interceptors (no access log
 * line, no recovery). So each service here takes its requests as undecoded streams ({@link
 * ServerInterceptors#useInputStreamMessages}) and decodes them inside the call, where {@link
 * RecoveryInterceptor} turns the exception into the call's status and the access log records it.
 *
 * <p>Not {@link ServerInterceptors#useInputStreamMessages}: it copies every response into a
 * buffered stream (two buffers a call, a good part of a small call's allocations). The streams here
 * pass through untouched, so protobuf's stream still drains straight into the transport.
 */
final class StrictParsing {

  /**
   * Hands streams through as they are: grpc's request streams support mark/reset, and protobuf's
   * response streams drain themselves into the transport.
   */
  private static final Marshaller<InputStream> UNDECODED =
      new Marshaller<>() {
        @Override
        public InputStream stream(InputStream value) {
          return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
          return stream;
        }
      };

  private StrictParsing() {}

  static ServerServiceDefinition of(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> strict = strict(method);
      descriptor.addMethod(strict.getMethodDescriptor());
      methods.add(strict);
    }
    ServerServiceDefinition.Builder strict = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(strict::addMethod);
    return ServerInterceptors.useMarshalledMessages(strict.build(), UNDECODED, UNDECODED);
  }

  /** {@code method}, parsing its requests as the servers do (package-private for the fuzz test). */
  static <Q, R> ServerMethodDefinition<Q, R> strict(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
    Marshaller<Q> requests = descriptor.getRequestMarshaller();
    MethodDescriptor.Builder<Q, R> strict =
        descriptor.toBuilder(
            new Checked<>(requests, typeName(requests)), descriptor.getResponseMarshaller());
    ServerCallHandler<Q, R> handler = method.getServerCallHandler();
    if (descriptor.getType().clientSendsOneMessage()) {
      // Declared to the transport as taking a stream, so that SingleRequest, not grpc, answers a
      // call with no request or two. Reflection describes the method from the .proto, as it is.
      strict.setType(
          descriptor.getType().serverSendsOneMessage()
              ? MethodType.CLIENT_STREAMING
              : MethodType.BIDI_STREAMING);
      handler = SingleRequest.of(handler, descriptor);
    }
    return ServerMethodDefinition.create(strict.build(), handler);
  }

  private static String typeName(Marshaller<?> marshaller) {
    if (marshaller instanceof PrototypeMarshaller<?> prototypes
        && prototypes.getMessagePrototype() instanceof Message message) {
      return message.getDescriptorForType().getFullName();
    }
    return "request";
  }

  /** A request marshaller whose parse failures are the caller's, said as such. */
  private record Checked<T>(Marshaller<T> delegate, String type) implements Marshaller<T> {

    @Override
    public InputStream stream(T value) {
      return delegate.stream(value);
    }

    @Override
    public T parse(InputStream stream) {
      try {
        return delegate.parse(stream);
      } catch (StatusRuntimeException e) {
        // protobuf's marshaller says INTERNAL for bytes that do not parse; a size limit hit
        // while inflating a compressed request already says RESOURCE_EXHAUSTED.
        if (e.getStatus().getCode() != Status.Code.INTERNAL) {
          throw e;
        }
        throw notA(type);
      } catch (RuntimeException e) {
        throw notA(type);
      }
    }

    private static StatusRuntimeException notA(String type) {
      return Status.INVALID_ARGUMENT
          .withDescription("request is not a valid " + type)
          .asRuntimeException();
    }
  }
}
