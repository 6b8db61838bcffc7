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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.LoggerFactory;

/**
 * Bounds the bytes of answers a server holds for clients that have not read them, so that no client
 * can make it run out of memory by asking and never reading (an HTTP/2 receive window of 0 keeps
 * every answer queued in the server's direct buffers).
 *
 * <ul>
 *   <li>An answer larger than {@code --max-outbound-message-size} is never sent: the call ends
 *       {@code RESOURCE_EXHAUSTED}.
 *   <li>A connection holds at most {@code --max-unread-bytes-per-connection}: past it, its new
 *       calls and the answers that would not fit are refused with {@code RESOURCE_EXHAUSTED}.
 *   <li>The server holds at most {@code --max-unread-bytes}, and stalled connections at most half
 *       of it between them: past that, their answers are refused. A connection is stalled when it
 *       holds {@value #LIGHT} bytes or more and has not finished an answer for ten seconds, or
 *       ever. The other half is for clients that read: when one of their answers takes the server
 *       past half, the stalled connection that has waited longest has its streams reset, which
 *       drops its answers and frees their memory; one that has held them for ten seconds, so that a
 *       new connection's burst of answers, which it may well be reading, is never dropped.
 * </ul>
 *
 * <p>An answer is held from the moment it is handed to the transport until its stream is over: a
 * dropped answer counts until the transport has reset its stream, which happens on the connection's
 * event loop once it is done with what it is reading. A streaming call's earlier answers leave as
 * the client reads: grpc reports a stream ready only once fewer than {@value #READY_QUEUE} bytes of
 * it are queued, so while it is ready its count is capped at that (a bound, never an undercount).
 *
 * <p>grpc-java offers a server no way to reset one stream; it resets a stream whose context is
 * cancelled with {@code DEADLINE_EXCEEDED}. So a drop cancels the cancellable context that {@link
 * CallTracer} gives each stream.
 */
public final class OutboundBudget implements ServerInterceptor {

  /** grpc's default onReady threshold: a ready stream has fewer bytes than this queued. */
  static final long READY_QUEUE = 32 * 1024;

  /** A connection holding less than this is taken to be reading what it is sent. */
  static final long LIGHT = 64 * 1024;

  /**
   * A connection holding more, whose last answer left longer ago than this, is not reading. A busy
   * client can leave its socket unread for a second or more (the Post server, as the User server's
   * client, under a burst of its own), and must not lose its calls for it.
   */
  static final long STALLED_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final RateLimitedLog drops =
      new RateLimitedLog(LoggerFactory.getLogger(OutboundBudget.class));
  private static final RateLimitedLog outOfMemory =
      new RateLimitedLog(LoggerFactory.getLogger(OutboundBudget.class));
  private static final Attributes.Key<Connection> CONNECTION =
      Attributes.Key.create("outbound-budget-connection");

  private final long maxMessage;
  private final long perConnection;
  private final long total;
  // Every call adds to it and takes from it, from every event loop: a LongAdder keeps them off one
  // contended cache line. Its sum is read after adding, so concurrent answers may overshoot the
  // limit by at most one answer per event loop.
  private final LongAdder held = new LongAdder();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

  OutboundBudget(long maxMessage, long perConnection, long total) {
    this.maxMessage = maxMessage;
    this.perConnection = perConnection;
    this.total = total;
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
            Connection connection = new Connection(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            connections.add(connection);
            return attributes.toBuilder().set(CONNECTION, connection).build();
          }

          @Override
          public void transportTerminated(Attributes attributes) {
            // Null for a connection that ended before it was ready.
            Connection connection = attributes == null ? null : attributes.get(CONNECTION);
            if (connection != null) {
              connections.remove(connection);
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
    long connectionHeld = connection.held.get();
    if (connectionHeld >= perConnection) {
      call.close(connectionFull(connectionHeld), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (connectionHeld >= LIGHT && connection.stalled(System.nanoTime())) {
      long serverHeld = held.sum();
      if (serverHeld >= total / 2) {
        call.close(serverFull(serverHeld, false), new Metadata());
        return new ServerCall.Listener<>() {};
      }
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
        if (answers.release() > 0) {
          connection.lastAnswered = System.nanoTime(); // an answer left: this client reads
        }
        super.onComplete();
      }

      @Override
      public void onCancel() {
        answers.release();
        super.onCancel();
      }
    };
  }

  /** Takes {@code size} bytes for {@code answers}; null, or the status that refuses them. */
  private Status reserve(Answers<?, ?> answers, long size) {
    Connection connection = answers.connection;
    long connectionAfter = connection.held.addAndGet(size);
    if (connectionAfter > perConnection) {
      connection.held.addAndGet(-size);
      return connectionFull(connectionAfter - size);
    }
    if (connectionAfter >= LIGHT && connectionAfter - size < LIGHT) {
      connection.heavySince = System.nanoTime();
    }
    boolean reading = connectionAfter - size < LIGHT || !connection.stalled(System.nanoTime());
    held.add(size);
    long after = held.sum();
    if (after > total / 2 && reading) {
      dropStalledOtherThan(connection, after);
    }
    if (after > (reading ? total : total / 2)) {
      connection.held.addAndGet(-size);
      held.add(-size);
      return serverFull(after - size, reading);
    }
    // Only a connection holding LIGHT or more can have its calls dropped; a reader's calls are
    // never registered, which spares every call of theirs two updates of a concurrent set. The
    // few calls a stalled connection made while it was still light stay counted, unreclaimed.
    if (connectionAfter >= LIGHT && !answers.registered) {
      answers.registered = true;
      connection.calls.add(answers);
    }
    return null;
  }

  /**
   * Resets the streams of the stalled connection that has waited longest: one that has held at
   * least {@value #LIGHT} bytes for {@link #STALLED_NANOS} without finishing an answer. Readers,
   * {@code asking} among them, are never chosen, nor a connection whose drop is under way.
   */
  private void dropStalledOtherThan(Connection asking, long serverHeld) {
    long now = System.nanoTime();
    Connection stalest = null;
    long most = 0;
    for (Connection connection : connections) {
      long bytes = connection.held.get();
      if (bytes >= LIGHT
          && connection != asking
          && !connection.dropping
          && connection.droppable(now)
          && (stalest == null || connection.waitingSince() - stalest.waitingSince() < 0)) {
        most = bytes;
        stalest = connection;
      }
    }
    if (stalest != null) {
      Connection dropped = stalest;
      int calls = dropped.dropAll();
      long bytes = most;
      drops.warn(
          () ->
              "dropped the "
                  + calls
                  + " unread answers ("
                  + bytes
                  + " bytes) of client "
                  + dropped.peer
                  + ": the server held "
                  + serverHeld
                  + " bytes its clients had not read (--max-unread-bytes="
                  + total
                  + ")");
    }
  }

  private void giveBack(Connection connection, long bytes) {
    if (bytes > 0) {
      if (connection.held.addAndGet(-bytes) == 0) {
        connection.dropping = false;
      }
      held.add(-bytes);
    }
  }

  private Status connectionFull(long connectionHeld) {
    return exhausted(
        "this connection holds "
            + connectionHeld
            + " bytes of answers its client has not read, the most one connection may hold",
        "--max-unread-bytes-per-connection",
        perConnection,
        "read them first, or call on another connection");
  }

  /**
   * {@code reading}: whether the connection counts as reading, which may take the server to its
   * limit; the others (new ones among them) to half of it.
   */
  private Status serverFull(long serverHeld, boolean reading) {
    return exhausted(
        "the server holds "
            + serverHeld
            + " bytes of answers its clients have not read, "
            + (reading
                ? "its limit"
                : "half its limit, the most it holds for connections that have finished no answer"
                    + " in the last ten seconds"),
        "--max-unread-bytes",
        total,
        reading ? "retry later" : "read the answers of this connection first, or retry later");
  }

  private Status tooLarge(long size) {
    return exhausted(
        "the answer is " + size + " bytes, more than this server sends in one message",
        "--max-outbound-message-size",
        maxMessage,
        "ask for less in one call");
  }

  /** What was refused, the flag and value that set the limit, and what the caller can do. */
  private static Status exhausted(String what, String flag, long limit, String advice) {
    return Status.RESOURCE_EXHAUSTED.withDescription(
        what + " (" + flag + "=" + limit + "); " + advice);
  }

  /** A client connection and the calls that hold bytes on it. */
  private static final class Connection {
    final Object peer;
    final AtomicLong held = new AtomicLong();
    final Set<Answers<?, ?>> calls = ConcurrentHashMap.newKeySet();
    volatile boolean dropping;
    // Until it has finished an answer, a connection holding more than LIGHT counts as stalled.
    volatile long lastAnswered = System.nanoTime() - STALLED_NANOS - 1;
    // When it last came to hold LIGHT or more.
    volatile long heavySince = System.nanoTime();

    Connection(Object peer) {
      this.peer = peer;
    }

    /** Whether its new answers take the stalled connections' share rather than the readers'. */
    boolean stalled(long now) {
      return now - lastAnswered > STALLED_NANOS;
    }

    /**
     * Since when it has held LIGHT or more without finishing an answer. A new connection whose
     * first answers wait is likelier to be busy reading a burst of them than never to read: its
     * answers are dropped only once it has waited as long as a connection that stopped reading.
     */
    long waitingSince() {
      return lastAnswered - heavySince > 0 ? lastAnswered : heavySince;
    }

    boolean droppable(long now) {
      return now - waitingSince() > STALLED_NANOS;
    }

    /** Resets every stream holding answers; returns how many. */
    int dropAll() {
      dropping = true;
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
        giveBack(connection, ahead - size);
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
        giveBack(connection, bytes - READY_QUEUE);
      }
    }

    /** Gives back what the call held; returns how much. */
    long release() {
      if (registered) {
        connection.calls.remove(this);
      }
      long bytes = callHeld.getAndSet(0);
      giveBack(connection, bytes);
      return bytes;
    }

    /**
     * Drops this call's queued answers: grpc resets the stream, which frees them; they count until
     * then ({@link #release} on the call's cancellation).
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
