package dev.grpcpair.testing;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts what a server's handlers send and whether calls were cancelled: the server's side of a
 * stream.
 */
public final class CallCounter implements ServerInterceptor {

  private final AtomicInteger messagesSent = new AtomicInteger();
  private final AtomicInteger cancellations = new AtomicInteger();
  private final AtomicInteger heldBack = new AtomicInteger();

  public int messagesSent() {
    return messagesSent.get();
  }

  public int cancellations() {
    return cancellations.get();
  }

  /** How often a handler asked whether it could send more and flow control said not yet. */
  public int heldBack() {
    return heldBack.get();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    ServerCall<ReqT, RespT> counting =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(RespT message) {
            messagesSent.incrementAndGet();
            super.sendMessage(message);
          }

          @Override
          public boolean isReady() {
            boolean ready = super.isReady();
            if (!ready) {
              heldBack.incrementAndGet();
            }
            return ready;
          }
        };
    return new SimpleForwardingServerCallListener<>(next.startCall(counting, headers)) {
      @Override
      public void onCancel() {
        cancellations.incrementAndGet();
        super.onCancel();
      }
    };
  }
}
