package dev.grpcpair.post;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can stop forwarding while keeping its connections open: a peer
 * that has silently gone away (a dead host, a broken network), which only keepalive detects.
 */
final class FreezableTcpProxy implements AutoCloseable {

  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private boolean frozen;
  private volatile boolean closed;

  FreezableTcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Stops forwarding in both directions; connections stay open, new ones are accepted. */
  void freeze() {
    synchronized (lock) {
      frozen = true;
    }
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
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
              try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
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
