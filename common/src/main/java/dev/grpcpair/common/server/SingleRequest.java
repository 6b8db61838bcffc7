package dev.grpcpair.common.server;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Holds unary and server-streaming calls to exactly one request message, and says so as the
 * caller's fault: {@code INVALID_ARGUMENT: v1.user.User/GetUser takes exactly one request message;
 * the call ended without one}. grpc's stubs answer both shapes {@code INTERNAL}, which reads as the
 * server's bug.
 *
 * <p>grpc's unary handler asks for two messages so that it can see a second one; the second never
 * reaches it here, and neither does a half-close without a first.
 */
final class SingleRequest implements ServerInterceptor {

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    MethodType type = call.getMethodDescriptor().getType();
    if (type != MethodType.UNARY && type != MethodType.SERVER_STREAMING) {
      return next.startCall(call, headers);
    }
    return new Counting<>(next.startCall(call, headers), call);
  }

  /** grpc calls a listener one callback at a time, so the count needs no lock. */
  private static final class Counting<ReqT> extends SimpleForwardingServerCallListener<ReqT> {
    private final ServerCall<ReqT, ?> call;
    private int received;
    private boolean refused;

    Counting(ServerCall.Listener<ReqT> listener, ServerCall<ReqT, ?> call) {
      super(listener);
      this.call = call;
    }

    @Override
    public void onMessage(ReqT message) {
      if (refused) {
        return;
      }
      if (++received > 1) {
        refuse("it sent a second one");
        return;
      }
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (refused) {
        return;
      }
      if (received == 0) {
        refuse("the call ended without one");
        return;
      }
      super.onHalfClose();
    }

    @Override
    public void onReady() {
      if (!refused) {
        super.onReady();
      }
    }

    private void refuse(String what) {
      refused = true;
      call.close(
          Status.INVALID_ARGUMENT.withDescription(
              call.getMethodDescriptor().getFullMethodName()
                  + " takes exactly one request message; "
                  + what),
          new Metadata());
    }
  }
}
