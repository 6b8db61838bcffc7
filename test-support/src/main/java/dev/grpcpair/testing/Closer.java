package dev.grpcpair.testing;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The tests' one teardown style: register what a test opens, and it is closed last opened first,
 * even when one of them fails to close. Use it as a JUnit extension: in an instance field it closes
 * after each test; in a static field, after all the class's tests.
 *
 * <pre>{@code @RegisterExtension final Closer closer = new Closer();}</pre>
 */
public final class Closer implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private boolean classScoped;

  /** Closes {@code resource} at the end of the test (or class); returns it. */
  public synchronized <T extends AutoCloseable> T add(T resource) {
    resources.push(resource);
    return resource;
  }

  /** Shuts {@code channel} down at the end of the test (or class), waiting for it; returns it. */
  public ManagedChannel add(ManagedChannel channel) {
    add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  /** Shuts {@code server} down at the end of the test (or class), waiting for it; returns it. */
  public Server add(Server server) {
    add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return server;
  }

  /** A plaintext channel to {@code localhost:port}, shut down at the end. */
  public ManagedChannel channelTo(int port) {
    return add(Channels.localhost(port));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // Only a static field's extension hears of the class starting.
    classScoped = true;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!classScoped) {
      closeAll();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    closeAll();
  }

  /** Closes everything added so far, now. */
  public void closeAll() throws Exception {
    Exception first = null;
    while (true) {
      AutoCloseable next;
      synchronized (this) {
        if (resources.isEmpty()) {
          break;
        }
        next = resources.pop();
      }
      try {
        next.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
