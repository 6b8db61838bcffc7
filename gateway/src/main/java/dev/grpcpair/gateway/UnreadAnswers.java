package dev.grpcpair.gateway;

import dev.grpcpair.common.server.UnreadBytes;
import io.grpc.Status;
import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The answers the gateway holds for HTTP clients that have not read them, bounded as the gRPC
 * servers bound theirs ({@link UnreadBytes}): an HTTP/2 client whose streams' windows stay at 0
 * leaves every answer it asks for in the gateway's heap, which a few such connections could fill
 * for good. An answer is held from when it is written until it has left for the socket; a
 * connection dropped to free memory is closed.
 */
final class UnreadAnswers {

  private static final AttributeKey<Account> ACCOUNT = AttributeKey.valueOf("unread-answers");

  private final UnreadBytes bytes;

  UnreadAnswers(long perConnection, long total) {
    this.bytes = new UnreadBytes(UnreadAnswers.class, "the gateway", perConnection, total);
  }

  /**
   * The account of {@code connection} (an HTTP/2 stream's parent, or the HTTP/1.1 channel); on its
   * event loop, where its streams' requests are read.
   */
  Account of(Channel connection) {
    Attribute<Account> attribute = connection.attr(ACCOUNT);
    Account account = attribute.get();
    if (account == null) {
      account = new Account(connection);
      attribute.set(account);
    }
    return account;
  }

  /** One connection's answers. */
  final class Account {
    private final Channel connection;
    private final AtomicInteger answers = new AtomicInteger();
    private final UnreadBytes.Connection bytes;

    private Account(Channel connection) {
      this.connection = connection;
      this.bytes = UnreadAnswers.this.bytes.open(connection.remoteAddress(), this::drop);
      connection.closeFuture().addListener(closed -> UnreadAnswers.this.bytes.closed(bytes));
    }

    /** Null if the connection may ask for more, or the status that refuses its request at once. */
    Status admit() {
      return UnreadAnswers.this.bytes.admit(bytes);
    }

    /** Takes {@code size} bytes for an answer about to be written; null, or its refusal. */
    Status reserve(long size) {
      Status refused = UnreadAnswers.this.bytes.reserve(bytes, size);
      if (refused == null) {
        answers.incrementAndGet();
      }
      return refused;
    }

    /** An answer of {@code size} bytes has left for the socket ({@code sent}), or never will. */
    void release(long size, boolean sent) {
      answers.decrementAndGet();
      UnreadAnswers.this.bytes.giveBack(bytes, size, sent);
    }

    private int drop() {
      connection.close();
      return answers.get();
    }
  }
}
