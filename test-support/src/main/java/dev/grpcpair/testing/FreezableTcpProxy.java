package dev.grpcpair.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can stop forwarding while keeping its connections open: a peer that
 * has silently gone away (a dead host, a broken network), which only keepalive detects.
 */
public final class FreezableTcpProxy implements AutoCloseable {

  private final ServerSocket listener;
  private volatile int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Long> accepted = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private boolean frozen;
  private volatile boolean closed;

  /**
   * Forwards to {@code targetPort} on loopback; 0: nowhere yet, connections are refused (closed).
   */
  public FreezableTcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port it listens on, chosen by the system. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Stops forwarding in both directions; connections stay open, new ones are accepted. */
  public void freeze() {
    synchronized (lock) {
      frozen = true;
    }
  }

  /**
   * The longest time between two connections made to it so far (zero before the second): how far a
   * client's reconnect backoff has grown while there was nothing to forward to.
   */
  public Duration longestGapBetweenConnections() {
    long longest = 0;
    for (int i = 1; i < accepted.size(); i++) {
      longest = Math.max(longest, accepted.get(i) - accepted.get(i - 1));
    }
    return Duration.ofNanos(longest);
  }

  /** The connections made to it so far. */
  public int connectionsAccepted() {
    return accepted.size();
  }

  /** New connections go to {@code port} from now on; open ones stay where they are. */
  public void forwardTo(int port) {
    targetPort = port;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        accepted.add(System.nanoTime());
        Socket server;
        try {
          server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        } catch (IOException nothingThere) {
          // Like a server that is down: the caller sees its connection closed, and retries.
          client.close();
          continue;
        }
        // What is read goes out at once, as a proxy's bytes do: Nagle's algorithm would hold each
        // small write for the peer's delayed acknowledgement, tens of milliseconds a round trip.
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(server);
        pump(client, server);
        pump(server, client);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) != -1) {
                  awaitUnfrozen();
                  out.write(buffer, 0, read);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // Closed, or the test is over.
              }
            },
            "proxy-pump");
    thread.setDaemon(true);
    thread.start();
  }

  private void awaitUnfrozen() throws InterruptedException {
    synchronized (lock) {
      while (frozen && !closed) {
        lock.wait();
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    synchronized (lock) {
      lock.notifyAll();
    }
    listener.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
