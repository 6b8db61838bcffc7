package dev.grpcpair.common.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;

/**
 * Holds unary and server-streaming calls to exactly one request message, and says so as the
 * caller's fault: {@code INVALID_ARGUMENT: v1.user.User/GetUser takes exactly one request message;
 * the call ended without one}. grpc answers both shapes {@code INTERNAL} (a second message resets
 * the stream, which the caller reads as {@code CANCELLED}), which reads as the server's bug.
 *
 * <p>grpc's transport checks the count itself for methods declared to take one request, before any
 * interceptor; so {@link StrictParsing} declares them as taking a stream, and wraps their handlers
 * here. grpc's unary handler asks for two messages so that it can see a second one; the second
 * never reaches it, and neither does a half-close without a first.
 */
final class SingleRequest {

  private SingleRequest() {}

  /**
   * {@code handler}, held to one request message a call; it sees the method as {@code declared}
   * (grpc's unary handler checks that it is).
   */
  static <ReqT, RespT> ServerCallHandler<ReqT, RespT> of(
      ServerCallHandler<ReqT, RespT> handler, MethodDescriptor<ReqT, RespT> declared) {
    return (call, headers) -> {
      ServerCall<ReqT, RespT> asDeclared =
          new SimpleForwardingServerCall<>(call) {
            @Override
            public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
              return declared;
            }
          };
      return new Counting<>(handler.startCall(asDeclared, headers), call);
    };
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
