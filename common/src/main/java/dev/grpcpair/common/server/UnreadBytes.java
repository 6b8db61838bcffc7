package dev.grpcpair.common.server;

import dev.grpcpair.common.observability.RateLimitedLog;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import org.slf4j.LoggerFactory;

/**
 * The bytes of answers a server holds for clients that have not read them, by connection, and the
 * bounds on them: how the gRPC servers ({@link OutboundBudget}) and the gateway keep clients that
 * ask and never read from filling their memory.
 *
 * <ul>
 *   <li>A connection holds at most {@code perConnection}: past it, its answers are refused.
 *   <li>The server holds at most {@code total}, and stalled connections at most half of it between
 *       them: past that, their answers are refused. A connection is stalled when it holds {@value
 *       #LIGHT} bytes or more and has not finished an answer for ten seconds, or ever.
 *   <li>The other half is for clients that read: when one of their answers takes the server past
 *       half, the stalled connection that has waited longest is dropped (its answers, and the
 *       memory they hold, let go); one that has held them for ten seconds, so that a new
 *       connection's burst of answers, which it may well be reading, is never dropped.
 * </ul>
 */
public final class UnreadBytes {

  /** A connection holding less than this is taken to be reading what it is sent. */
  static final long LIGHT = 64 * 1024;

  /**
   * A connection holding more, whose last answer left longer ago than this, is not reading. A busy
   * client can leave its socket unread for a second or more (the Post server, as the User server's
   * client, under a burst of its own), and must not lose its calls for it.
   */
  static final long STALLED_NANOS = TimeUnit.SECONDS.toNanos(10);

  /**
   * The flags that set the bounds, declared by the servers' flags and the gateway's by these names.
   */
  public static final String PER_CONNECTION_FLAG = "--max-unread-bytes-per-connection";

  public static final String TOTAL_FLAG = "--max-unread-bytes";

  private final RateLimitedLog drops;
  private final String holder;
  private final long perConnection;
  private final long total;
  // Every answer adds to it and takes from it, from every event loop: a LongAdder keeps them off
  // one contended cache line. Its sum is read after adding, so concurrent answers may overshoot the
  // limit by at most one answer per event loop.
  private final LongAdder held = new LongAdder();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

  /**
   * The bounds ({@value #PER_CONNECTION_FLAG}, {@value #TOTAL_FLAG}); the refusals' messages name
   * what holds the answers ({@code holder}: "the server"), and drops are logged as {@code owner}'s.
   */
  public UnreadBytes(Class<?> owner, String holder, long perConnection, long total) {
    this.drops = new RateLimitedLog(LoggerFactory.getLogger(owner));
    this.holder = holder;
    this.perConnection = perConnection;
    this.total = total;
  }

  /**
   * A connection that has opened; {@code drop} lets go of every answer it holds (it resets their
   * streams, or closes the connection) and returns how many.
   */
  public Connection open(Object peer, IntSupplier drop) {
    Connection connection = new Connection(peer, drop);
    connections.add(connection);
    return connection;
  }

  /** A connection that has closed: what it held has been given back. */
  public void closed(Connection connection) {
    connections.remove(connection);
  }

  /**
   * Whether {@code connection} may ask for more: null, or the status that refuses it at once,
   * before any work, when it holds as much as it may.
   */
  public Status admit(Connection connection) {
    long connectionHeld = connection.held.get();
    if (connectionHeld >= perConnection) {
      return connectionFull(connectionHeld);
    }
    if (connectionHeld >= LIGHT && connection.stalled(System.nanoTime())) {
      long serverHeld = held.sum();
      if (serverHeld >= total / 2) {
        return serverFull(serverHeld, false);
      }
    }
    return null;
  }

  /** Takes {@code size} bytes for an answer of {@code connection}; null, or its refusal. */
  public Status reserve(Connection connection, long size) {
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
    return null;
  }

  /**
   * Gives back {@code bytes} of {@code connection}'s; {@code answered}: an answer has left whole,
   * so its client reads.
   */
  public void giveBack(Connection connection, long bytes, boolean answered) {
    if (bytes > 0) {
      if (connection.held.addAndGet(-bytes) == 0) {
        connection.dropping = false;
      }
      held.add(-bytes);
      if (answered) {
        connection.lastAnswered = System.nanoTime();
      }
    }
  }

  /**
   * Drops the stalled connection that has waited longest: one that has held at least {@value
   * #LIGHT} bytes for {@link #STALLED_NANOS} without finishing an answer. Readers, {@code asking}
   * among them, are never chosen, nor a connection whose drop is under way.
   */
  private void dropStalledOtherThan(Connection asking, long serverHeld) {
    long now = System.nanoTime();
    Connection stalest = null;
    long stalestHeld = 0;
    for (Connection connection : connections) {
      long bytes = connection.held.get();
      if (bytes >= LIGHT
          && connection != asking
          && !connection.dropping
          && connection.droppable(now)
          && (stalest == null || connection.waitingSince() - stalest.waitingSince() < 0)) {
        stalestHeld = bytes;
        stalest = connection;
      }
    }
    if (stalest != null) {
      Connection dropped = stalest;
      dropped.dropping = true;
      int answers = dropped.drop.getAsInt();
      long bytes = stalestHeld;
      drops.warn(
          () ->
              "dropped the "
                  + answers
                  + " unread answers ("
                  + bytes
                  + " bytes) of client "
                  + dropped.peer
                  + ": "
                  + holder
                  + " held "
                  + serverHeld
                  + " bytes its clients had not read ("
                  + TOTAL_FLAG
                  + "="
                  + total
                  + ")");
    }
  }

  private Status connectionFull(long connectionHeld) {
    return exhausted(
        "this connection holds "
            + connectionHeld
            + " bytes of answers its client has not read, the most one connection may hold",
        PER_CONNECTION_FLAG,
        perConnection,
        "read them first, or call on another connection");
  }

  /**
   * {@code reading}: whether the connection counts as reading, which may take the server to its
   * limit; the others (new ones among them) to half of it.
   */
  private Status serverFull(long serverHeld, boolean reading) {
    return exhausted(
        holder
            + " holds "
            + serverHeld
            + " bytes of answers its clients have not read, "
            + (reading
                ? "its limit"
                : "half its limit, the most it holds for connections that have finished no answer"
                    + " in the last ten seconds"),
        TOTAL_FLAG,
        total,
        reading ? "retry later" : "read the answers of this connection first, or retry later");
  }

  /** What was refused, the flag and value that set the limit, and what the caller can do. */
  static Status exhausted(String what, String flag, long limit, String advice) {
    return Status.RESOURCE_EXHAUSTED.withDescription(
        what + " (" + flag + "=" + limit + "); " + advice);
  }

  /** A client connection and the bytes of answers it holds. */
  public static final class Connection {
    final Object peer;
    final IntSupplier drop;
    final AtomicLong held = new AtomicLong();
    volatile boolean dropping;
    // Until it has finished an answer, a connection holding more than LIGHT counts as stalled.
    volatile long lastAnswered = System.nanoTime() - STALLED_NANOS - 1;
    // When it last came to hold LIGHT or more.
    volatile long heavySince = System.nanoTime();

    Connection(Object peer, IntSupplier drop) {
      this.peer = peer;
      this.drop = drop;
    }

    /** The bytes of answers it holds. */
    long held() {
      return held.get();
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
  }
}
