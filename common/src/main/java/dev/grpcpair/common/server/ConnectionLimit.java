package dev.grpcpair.common.server;

import dev.grpcpair.common.observability.RateLimitedLog;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Comparator;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a server able to accept new clients however many connections others hold open: at most
 * {@code --max-connections-per-peer} from one address and {@code --max-connections} in all, the
 * latter kept below the process's descriptor limit. A connection past either cap makes room by
 * closing the connection that has been idle (no call open) longest, among that address's or all: a
 * GOAWAY, so that a well-behaved client reconnects without failing a call, and a plain close if it
 * has not gone {@value #GOAWAY_GRACE_SECONDS} s later. Only when every connection has a call open
 * is the new one refused. Keepalive cannot do this: a client that answers PINGs and never calls
 * keeps its connections until {@code --max-connection-idle}.
 */
final class ConnectionLimit {

  /** How long a connection told to go away may take to close before it is closed outright. */
  static final long GOAWAY_GRACE_SECONDS = 2;

  /**
   * The streams a client told to go away for its resets may still open: those it had queued when
   * the GOAWAY reached it (a busy grpc channel sends them all, hundreds in tens of milliseconds).
   * One that opens more is ignoring it, as an attacker does.
   */
  static final int MAX_STREAMS_AFTER_GOAWAY = RapidResets.MAX_RESETS;

  private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);
  private static final RateLimitedLog closings = new RateLimitedLog(log);
  private static final RateLimitedLog refusals = new RateLimitedLog(log);
  private static final RateLimitedLog resetClosings = new RateLimitedLog(log);
  private static final RateLimitedLog ignorings = new RateLimitedLog(log);
  private static final Attributes.Key<Connection> CONNECTION =
      Attributes.Key.create("connection-limit");

  private final int total;
  private final int perPeer;
  private final String totalReason;
  private final Map<SocketAddress, Connection> open = new ConcurrentHashMap<>();
  // Connections with a call of CallsInFlight's open, for its share of its bound.
  private final AtomicInteger busy = new AtomicInteger();

  private ConnectionLimit(int total, int perPeer, String totalReason) {
    this.total = total;
    this.perPeer = perPeer;
    this.totalReason = totalReason;
  }

  /**
   * At most {@code maxConnections}, and fewer if the descriptor limit says so; {@code maxPerPeer}
   * from one address.
   */
  static ConnectionLimit of(int maxConnections, int maxPerPeer, OptionalLong descriptorLimit) {
    DescriptorLimit.Cap cap =
        DescriptorLimit.cap(maxConnections, "--max-connections", descriptorLimit);
    return new ConnectionLimit(cap.connections(), maxPerPeer, cap.reason());
  }

  int total() {
    return total;
  }

  /** For the start-up log: the caps and where the total comes from. */
  String describe() {
    return "at most " + total + " connections (" + totalReason + "), " + perPeer + " per address";
  }

  /**
   * Tells {@link CallTracer} which connection each call is on, to know which connections are idle.
   */
  void install(NettyServerBuilder builder) {
    builder.addTransportFilter(
        new ServerTransportFilter() {
          @Override
          public Attributes transportReady(Attributes attributes) {
            Connection connection = open.get(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return connection == null
                ? attributes
                : attributes.toBuilder().set(CONNECTION, connection).build();
          }
        });
  }

  /** Counts a call open on its connection; returns the connection, or null if not counted. */
  static Connection callStarted(Attributes call) {
    Connection connection = call.get(CONNECTION);
    if (connection != null) {
      connection.calls.incrementAndGet();
      if (connection.ignoresGoAway()) {
        connection.guard.closeNow();
        ignorings.warn(
            () ->
                "closed the connection of "
                    + connection.address
                    + " at once: told to go away for its resets, its client opened more than "
                    + MAX_STREAMS_AFTER_GOAWAY
                    + " streams since (rapid reset)");
      }
    }
    return connection;
  }

  /** The connection a call came on, its own counted; null without a socket (in-process). */
  static Connection of(Attributes call) {
    return call.get(CONNECTION);
  }

  /**
   * The call counted on {@code connection} (null: not counted) is over, its stream ended with
   * {@code status}; a connection whose client resets nearly all it opens ({@link RapidResets}) is
   * told to go away, as one that makes room is: a proxy whose own callers left (a Post server, the
   * gateway) then ends its other calls on it and makes new ones on a new connection, without a
   * failure. A client that goes on opening streams is closed at once ({@link #callStarted}).
   */
  static void callEnded(Connection connection, Status status) {
    if (connection == null) {
      return;
    }
    long now = System.nanoTime();
    if (connection.calls.decrementAndGet() == 0) {
      connection.idleSince = now;
    }
    // A stream its client reset ends CANCELLED; one the server ends on its deadline, or to drop
    // unread answers, DEADLINE_EXCEEDED.
    boolean reset = status.getCode() == Status.Code.CANCELLED;
    if (connection.resets.ended(reset, now) && connection.goAwayForResets()) {
      resetClosings.warn(
          () ->
              "told the connection of "
                  + connection.address
                  + " to go away: "
                  + connection.resets.verdict());
    }
  }

  /**
   * Called on the accepting thread with each new connection, before it is registered: records it,
   * and makes room for it if it takes its address or the server past a cap.
   */
  Channel accepted(Channel channel) {
    if (!(channel.remoteAddress() instanceof InetSocketAddress)) {
      return channel; // closed by the client already
    }
    Connection connection = new Connection(channel, busy);
    channel.pipeline().addFirst("connection-limit", connection.guard);
    open.put(connection.address, connection);
    channel.closeFuture().addListener(closed -> open.remove(connection.address, connection));
    InetAddress peer = connection.address.getAddress();
    Predicate<Connection> samePeer = other -> other.address.getAddress().equals(peer);
    if (count(samePeer) > perPeer) {
      makeRoom(connection, samePeer, perPeer + " connections from one address");
    } else if (count(other -> true) > total) {
      makeRoom(connection, other -> true, total + " connections (" + totalReason + ")");
    }
    return channel;
  }

  private long count(Predicate<Connection> which) {
    return open.values().stream().filter(c -> !c.closing).filter(which).count();
  }

  private void makeRoom(Connection newcomer, Predicate<Connection> among, String cap) {
    long now = System.nanoTime();
    Connection idlest =
        open.values().stream()
            .filter(c -> c != newcomer && !c.closing && c.calls.get() == 0)
            .filter(among)
            .min(Comparator.comparingLong(c -> c.idleSince - now))
            .orElse(null);
    if (idlest == null) {
      newcomer.refuse();
      refusals.warn(
          () ->
              "refused a connection from "
                  + newcomer.address
                  + ": at most "
                  + cap
                  + ", and every one has a call open");
      return;
    }
    idlest.goAway();
    long idleSeconds = TimeUnit.NANOSECONDS.toSeconds(now - idlest.idleSince);
    closings.warn(
        () ->
            "closed the connection of "
                + idlest.address
                + ", idle for "
                + idleSeconds
                + " s, to make room for "
                + newcomer.address
                + ": at most "
                + cap);
  }

  /**
   * An accepted connection: its calls open (one with none is idle), those of them the server's own
   * calls in flight ({@link CallsInFlight} counts them, health and reflection aside) and how many
   * connections of the server have such a call, and how to close it.
   */
  static final class Connection {
    final Channel channel;
    final InetSocketAddress address;
    final Guard guard = new Guard();
    final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger ownCalls = new AtomicInteger();
    private final AtomicInteger busy;
    final RapidResets resets = new RapidResets();
    // Calls started since the connection was told to go away for its resets; -1 before.
    private final AtomicInteger startedAfterGoAway = new AtomicInteger(-1);
    volatile long idleSince = System.nanoTime();
    // Read on the accepting thread (the one boss loop, which both ports share) to leave closing
    // connections out of the caps; set there, or on the connection's loop for its resets.
    volatile boolean closing;

    Connection(Channel channel, AtomicInteger busy) {
      this.channel = channel;
      this.busy = busy;
      this.address = (InetSocketAddress) channel.remoteAddress();
    }

    /**
     * grpc's handler answers a close with GOAWAY, a PING, and the close once the client has
     * answered; the guard, first in the pipeline, closes without it if that takes too long.
     */
    void goAway() {
      // Set first: a connection still on its way to its event loop (accepted in the same turn of
      // the accepting loop) is closed as soon as it gets there; one that is there is told below.
      refuse();
      if (channel.isRegistered()) {
        channel.close();
        channel.eventLoop().schedule(guard::closeNow, GOAWAY_GRACE_SECONDS, TimeUnit.SECONDS);
      }
    }

    /** Tells the connection to go away for its resets; false if it has been told already. */
    boolean goAwayForResets() {
      if (!startedAfterGoAway.compareAndSet(-1, 0)) {
        return false;
      }
      goAway();
      return true;
    }

    /**
     * Counts a call started; true if the connection was told to go away for its resets and its
     * client has opened more than {@value ConnectionLimit#MAX_STREAMS_AFTER_GOAWAY} streams since.
     */
    boolean ignoresGoAway() {
      return startedAfterGoAway.get() >= 0
          && startedAfterGoAway.incrementAndGet() > MAX_STREAMS_AFTER_GOAWAY;
    }

    /** One more of the server's own calls on this connection; returns how many it has now. */
    int ownCallStarted() {
      int held = ownCalls.incrementAndGet();
      if (held == 1) {
        busy.incrementAndGet();
      }
      return held;
    }

    void ownCallEnded() {
      if (ownCalls.decrementAndGet() == 0) {
        busy.decrementAndGet();
      }
    }

    /** The connections of the server with one of its own calls open. */
    int busyConnections() {
      return busy.get();
    }

    void refuse() {
      closing = true;
      guard.closeWhenActive = true;
    }
  }

  /** First in a connection's pipeline: a close from here bypasses grpc's graceful one. */
  private static final class Guard extends ChannelInboundHandlerAdapter {
    volatile boolean closeWhenActive;
    private volatile ChannelHandlerContext context;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      context = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (closeWhenActive) {
        ctx.close();
      } else {
        ctx.fireChannelActive();
      }
    }

    void closeNow() {
      ChannelHandlerContext ctx = context;
      if (ctx != null && ctx.channel().isOpen()) {
        ctx.close();
      }
    }
  }
}
