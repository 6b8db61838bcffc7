package dev.grpcpair.common.server;

import dev.grpcpair.proto.InvalidRequestException;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failure becomes the status a caller gets. Handlers throw, or pass to {@code
 * onError}, whatever went wrong: a {@code Status} exception keeps its status (handlers build them
 * with descriptions a caller can act on); an {@link InvalidRequestException} from the layers below
 * is {@code INVALID_ARGUMENT} with its message; anything else is a bug, answered {@code INTERNAL}
 * with a generic description (never the exception's message, never a stack trace, never grpc's
 * {@code UNKNOWN}) and logged with its stack trace, once.
 */
public final class RecoveryInterceptor implements ServerInterceptor {

  /** What a caller is told about a bug. */
  public static final String INTERNAL_DESCRIPTION = "internal error; the server logged the details";

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
    return new RecoveringListener<>(listener, closing);
  }

  /** Turns what a handler throws from a callback into the call's status. */
  private static final class RecoveringListener<ReqT, RespT>
      extends SimpleForwardingServerCallListener<ReqT> {
    private final ClosingOnce<ReqT, RespT> closing;

    RecoveringListener(ServerCall.Listener<ReqT> listener, ClosingOnce<ReqT, RespT> closing) {
      super(listener);
      this.closing = closing;
    }

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
        log.error("{}: exception while handling cancellation", closing.method(), e);
      }
    }

    @Override
    public void onComplete() {
      try {
        super.onComplete();
      } catch (RuntimeException e) {
        log.error("{}: exception after the call completed", closing.method(), e);
      }
    }
  }

  /**
   * A call that closes once with the mapped status: a failure after the answer is only logged.
   * grpc's stubs turn {@code onError(e)} of a non-status exception into UNKNOWN with {@code e} as
   * the cause; that is mapped here too.
   */
  private static final class ClosingOnce<ReqT, RespT>
      extends SimpleForwardingServerCall<ReqT, RespT> {
    private boolean closed;

    ClosingOnce(ServerCall<ReqT, RespT> call) {
      super(call);
    }

    String method() {
      return getMethodDescriptor().getFullMethodName();
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (status.getCode() == Status.Code.UNKNOWN && isBug(status.getCause())) {
        fail(status.getCause());
        return;
      }
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    synchronized void fail(Throwable failure) {
      if (failure instanceof InvalidRequestException invalid) {
        close(Status.INVALID_ARGUMENT.withDescription(invalid.getMessage()), new Metadata());
        return;
      }
      if (!isBug(failure)) {
        Status status = Status.fromThrowable(failure);
        Metadata trailers = Status.trailersFromThrowable(failure);
        close(status, trailers == null ? new Metadata() : trailers);
        return;
      }
      log.error("{} failed with an unexpected exception; answered INTERNAL", method(), failure);
      if (!closed) {
        closed = true;
        super.close(Status.INTERNAL.withDescription(INTERNAL_DESCRIPTION), new Metadata());
      }
    }

    /** A failure with no status anywhere in its causes, and not the caller's. */
    private static boolean isBug(Throwable failure) {
      for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
        if (cause instanceof StatusRuntimeException
            || cause instanceof StatusException
            || cause instanceof InvalidRequestException) {
          return false;
        }
      }
      return failure != null;
    }
  }
}
