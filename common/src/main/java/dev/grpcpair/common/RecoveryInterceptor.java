package dev.grpcpair.common;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place an exception that escapes a handler becomes a status. A {@code Status} exception
 * keeps its status; anything else is a bug: the caller gets {@code INTERNAL} with a generic
 * description (never the exception's message, never a stack trace, never grpc's {@code UNKNOWN}),
 * and the log gets the stack trace, once.
 */
public final class RecoveryInterceptor implements ServerInterceptor {

  static final String DESCRIPTION = "internal error; the server logged the details";
  private static final Logger log = LoggerFactory.getLogger(RecoveryInterceptor.class);

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    ClosingOnce<ReqT, RespT> closing = new ClosingOnce<>(call);
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(closing, headers);
    } catch (RuntimeException e) {
      closing.fail(e);
      return new ServerCall.Listener<>() {};
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(ReqT message) {
        try {
          super.onMessage(message);
        } catch (RuntimeException e) {
          closing.fail(e);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } catch (RuntimeException e) {
          closing.fail(e);
        }
      }

      @Override
      public void onReady() {
        try {
          super.onReady();
        } catch (RuntimeException e) {
          closing.fail(e);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } catch (RuntimeException e) {
          log.error("{}: exception while handling cancellation", call.getMethodDescriptor().getFullMethodName(), e);
        }
      }

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } catch (RuntimeException e) {
          log.error("{}: exception after the call completed", call.getMethodDescriptor().getFullMethodName(), e);
        }
      }
    };
  }

  /** A call that remembers it was closed, so a failure after the answer does not close it twice. */
  private static final class ClosingOnce<ReqT, RespT> extends SimpleForwardingServerCall<ReqT, RespT> {
    private boolean closed;

    ClosingOnce(ServerCall<ReqT, RespT> call) {
      super(call);
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    synchronized void fail(RuntimeException e) {
      String method = getMethodDescriptor().getFullMethodName();
      if (e instanceof StatusRuntimeException) {
        StatusRuntimeException status = (StatusRuntimeException) e;
        close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
        return;
      }
      log.error("{} failed with an unexpected exception; answered INTERNAL", method, e);
      if (closed) {
        return;
      }
      close(Status.INTERNAL.withDescription(DESCRIPTION), new Metadata());
    }
  }
}
