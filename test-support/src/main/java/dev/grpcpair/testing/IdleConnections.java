package dev.grpcpair.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Connections that a live client keeps open and never calls on: each answers the server's PINGs (so
 * keepalive never reaps it) until the server closes it. They are numbered in the order they were
 * opened, and the numbers of those the server has closed are kept.
 */
public final class IdleConnections implements AutoCloseable {

  private final ExecutorService readers = Executors.newCachedThreadPool();
  private final List<RawHttp2Client> clients = new ArrayList<>();
  private final Set<Integer> closed = ConcurrentHashMap.newKeySet();

  /** Opens {@code count} more connections to {@code port} on the loopback address. */
  public void open(int port, int count) throws IOException {
    for (int i = 0; i < count; i++) {
      RawHttp2Client client = RawHttp2Client.connect(port);
      client.flush();
      int number = clients.size();
      clients.add(client);
      readers.execute(
          () -> {
            client.answerPingsUntilClosed();
            closed.add(number);
          });
    }
  }

  /**
   * Whether the server has closed at least {@code atLeast} of them, and only the ones opened first:
   * connections closed oldest first.
   */
  public boolean oldestClosed(int atLeast) {
    Set<Integer> now = Set.copyOf(closed);
    return now.size() >= atLeast
        && now.equals(IntStream.range(0, now.size()).boxed().collect(Collectors.toSet()));
  }

  /** The numbers of those the server has closed. */
  public Set<Integer> closed() {
    return Set.copyOf(closed);
  }

  @Override
  public void close() {
    readers.shutdownNow();
    clients.forEach(RawHttp2Client::close);
  }
}
