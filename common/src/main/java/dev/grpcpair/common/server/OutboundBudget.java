package dev.grpcpair.common.server;

import dev.grpcpair.common.observability.RateLimitedLog;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Bounds the bytes of answers a gRPC server holds for clients that have not read them, so that no
 * client can make it run out of memory by asking and never reading (an HTTP/2 receive window of 0
 * keeps every answer queued in the server's direct buffers): by connection and in all, as {@link
 * UnreadBytes} says, from {@code --max-unread-bytes-per-connection} and {@code --max-unread-bytes};
 * and an answer larger than {@code --max-outbound-message-size} is never sent: the call ends {@code
 * RESOURCE_EXHAUSTED}.
 *
 * <p>An answer is held from the moment it is handed to the transport until its stream is over: a
 * dropped answer counts until the transport has reset its stream, which happens on the connection's
 * event loop once it is done with what it is reading. A streaming call's earlier answers leave as
 * the client reads: grpc reports a stream ready only once fewer than {@value #READY_QUEUE} bytes of
 * it are queued, so while it is ready its count is capped at that (a bound, never an undercount).
 *
 * <p>grpc-java offers a server no way to reset one stream; it resets a stream whose context is
 * cancelled with {@code DEADLINE_EXCEEDED}. So a dropped connection has the cancellable context
 * that {@link CallTracer} gives each stream cancelled, for each of its calls holding answers.
 */
public final class OutboundBudget implements ServerInterceptor {

  /** grpc's default onReady threshold: a ready stream has fewer bytes than this queued. */
  static final long READY_QUEUE = 32 * 1024;

  private static final RateLimitedLog outOfMemory =
      new RateLimitedLog(LoggerFactory.getLogger(OutboundBudget.class));
  private static final Attributes.Key<Connection> CONNECTION =
      Attributes.Key.create("outbound-budget-connection");

  private final long maxMessage;
  private final UnreadBytes unread;

  OutboundBudget(long maxMessage, long perConnection, long total) {
    this.maxMessage = maxMessage;
    this.unread = new UnreadBytes(OutboundBudget.class, "the server", perConnection, total);
  }

  /**
   * Tells the budget which connection each call is on; the calls' streams come from {@link
   * CallTracer}, which {@link ServerEventLoops#serve} installs.
   */
  void install(NettyServerBuilder builder) {
    builder.addTransportFilter(
        new ServerTransportFilter() {
          @Override
          public Attributes transportReady(Attributes attributes) {
            Connection connection = new Connection();
            connection.bytes =
                unread.open(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), connection::dropAll);
            return attributes.toBuilder().set(CONNECTION, connection).build();
          }

          @Override
          public void transportTerminated(Attributes attributes) {
            // Null for a connection that ended before it was ready.
            Connection connection = attributes == null ? null : attributes.get(CONNECTION);
            if (connection != null) {
              unread.closed(connection.bytes);
            }
          }
        });
  }

  /**
   * Takes {@code bytes} for the answer the calling handler is about to build, so that it builds
   * none that could not be sent: call it before the work (a look-up, a page) that the answer needs.
   * The answer, once sent, counts instead. Without a socket (the in-process transport) it does
   * nothing.
   *
   * @throws io.grpc.StatusRuntimeException RESOURCE_EXHAUSTED if the connection or the server
   *     cannot hold that much more for clients that have not read it
   */
  public static void reserve(long bytes) {
    CallTracer call = CallTracer.current();
    Answers<?, ?> answers = call == null ? null : call.answers;
    if (answers != null) {
      answers.reserveAhead(bytes);
    }
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Connection connection = call.getAttributes().get(CONNECTION);
    CallTracer tracer = CallTracer.current();
    if (connection == null || tracer == null) {
      return next.startCall(call, headers); // no socket (the in-process transport): nothing held
    }
    Status refused = unread.admit(connection.bytes);
    if (refused != null) {
      call.close(refused, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Answers<ReqT, RespT> answers = new Answers<>(call, connection, tracer.cancellableContext());
    tracer.answers = answers;
    return new SimpleForwardingServerCallListener<>(next.startCall(answers, headers)) {
      @Override
      public void onReady() {
        answers.capWhileReady();
        super.onReady();
      }

      @Override
      public void onComplete() {
        answers.release(true); // an answer left: this client reads
        super.onComplete();
      }

      @Override
      public void onCancel() {
        answers.release(false);
        super.onCancel();
      }
    };
  }

  /** Takes {@code size} bytes for {@code answers}; null, or the status that refuses them. */
  private Status reserve(Answers<?, ?> answers, long size) {
    Connection connection = answers.connection;
    Status refused = unread.reserve(connection.bytes, size);
    // Only a connection holding LIGHT or more can have its calls dropped; a reader's calls are
    // never registered, which spares every call of theirs two updates of a concurrent set. The
    // few calls a stalled connection made while it was still light stay counted, unreclaimed.
    if (refused == null && !answers.registered && connection.bytes.held() >= UnreadBytes.LIGHT) {
      answers.registered = true;
      connection.calls.add(answers);
    }
    return refused;
  }

  private Status tooLarge(long size) {
    return UnreadBytes.exhausted(
        "the answer is " + size + " bytes, more than this server sends in one message",
        "--max-outbound-message-size",
        maxMessage,
        "ask for less in one call");
  }

  /** A client connection: the bytes it holds, and the calls that hold them. */
  private static final class Connection {
    UnreadBytes.Connection bytes;
    final Set<Answers<?, ?>> calls = ConcurrentHashMap.newKeySet();

    /** Resets every stream holding answers; returns how many. */
    int dropAll() {
      int dropped = 0;
      for (Answers<?, ?> answers : calls) {
        answers.drop();
        dropped++;
      }
      return dropped;
    }
  }

  /** One call's answers: what they hold, and the refusal of those that do not fit. */
  final class Answers<ReqT, RespT> extends SimpleForwardingServerCall<ReqT, RespT> {
    final Connection connection;
    private final Context.CancellableContext stream;
    private final boolean streaming;
    private final AtomicLong callHeld = new AtomicLong();
    private volatile boolean dropped;
    private volatile boolean registered;
    private long reservedAhead;
    private boolean closed;

    Answers(
        ServerCall<ReqT, RespT> call, Connection connection, Context.CancellableContext stream) {
      super(call);
      this.connection = connection;
      this.stream = stream;
      this.streaming = !call.getMethodDescriptor().getType().serverSendsOneMessage();
    }

    @Override
    public void sendMessage(RespT message) {
      if (closed || dropped) {
        return; // refused before, or reset to free its memory: the client gets no more
      }
      long size = sizeOf(message);
      if (size > maxMessage) {
        close(tooLarge(size), new Metadata());
        return;
      }
      if (streaming) {
        capWhileReady();
      }
      long ahead = reservedAhead;
      reservedAhead = 0;
      if (size > ahead) {
        Status refused = reserve(this, size - ahead);
        if (refused != null) {
          close(refused, new Metadata());
          return;
        }
        callHeld.addAndGet(size - ahead);
      } else if (ahead > size) {
        callHeld.addAndGet(size - ahead);
        unread.giveBack(connection.bytes, ahead - size, false);
      }
      try {
        super.sendMessage(message);
      } catch (OutOfMemoryError e) {
        // Direct memory ran out all the same (the budgets leave half of it, so something else took
        // it): grpc has ended this call (CANCELLED); the server goes on, and says so once a second.
        closed = true;
        outOfMemory.warn(() -> "could not send an answer of " + size + " bytes: " + e);
      }
    }

    /** See {@link OutboundBudget#reserve}. */
    void reserveAhead(long bytes) {
      Status refused = bytes > maxMessage ? tooLarge(bytes) : reserve(this, bytes);
      if (refused != null) {
        throw refused.asRuntimeException();
      }
      callHeld.addAndGet(bytes);
      reservedAhead += bytes;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        // A dropped call ends in its stream's reset, which is under way: its answer never left.
        if (!dropped) {
          super.close(status, trailers);
        }
      }
    }

    void capWhileReady() {
      long bytes = callHeld.get();
      if (bytes > READY_QUEUE && isReady() && callHeld.compareAndSet(bytes, READY_QUEUE)) {
        unread.giveBack(connection.bytes, bytes - READY_QUEUE, false);
      }
    }

    /** Gives back what the call held; {@code answered}: its answer has left whole. */
    void release(boolean answered) {
      if (registered) {
        connection.calls.remove(this);
      }
      unread.giveBack(connection.bytes, callHeld.getAndSet(0), answered);
    }

    /**
     * Drops this call's queued answers: grpc resets the stream, which frees them; they count until
     * then (its release on the call's cancellation).
     */
    void drop() {
      dropped = true;
      stream.cancel(
          Status.DEADLINE_EXCEEDED
              .withDescription("answers dropped: the client did not read them")
              .asRuntimeException());
    }

    private static long sizeOf(Object message) {
      // Every service here sends protobuf's streams (StrictParsing), which know their length.
      if (message instanceof InputStream stream) {
        try {
          return stream.available();
        } catch (IOException e) {
          return 0;
        }
      }
      return 0;
    }
  }
}
