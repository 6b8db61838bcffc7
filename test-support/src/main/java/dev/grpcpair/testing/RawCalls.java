package dev.grpcpair.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Calls with bytes as they are, whatever they hold: what a hostile or broken client sends. */
public final class RawCalls {

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private RawCalls() {}

  /**
   * A call of {@code method} declared unary, with {@code messages} as its requests however many
   * they are (a grpc stub sends exactly one); how it ended.
   */
  public static Status unaryWith(Channel channel, String method, List<byte[]> messages)
      throws Exception {
    ClientCall<byte[], byte[]> call =
        channel.newCall(
            unaryMethod(method), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    CompletableFuture<Status> ended = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            ended.complete(status);
          }
        },
        new Metadata());
    call.request(1);
    messages.forEach(call::sendMessage);
    call.halfClose();
    return ended.get(10, TimeUnit.SECONDS);
  }

  /** A unary call of {@code method} ({@code package.Service/Method}), 10-second deadline. */
  public static byte[] unary(Channel channel, String method, byte[] request) {
    return ClientCalls.blockingUnaryCall(
        channel,
        unaryMethod(method),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        request);
  }

  private static MethodDescriptor<byte[], byte[]> unaryMethod(String method) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(method)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }
}
