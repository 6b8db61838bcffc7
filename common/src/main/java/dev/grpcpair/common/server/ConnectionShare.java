package dev.grpcpair.common.server;

/**
 * A connection's share of a bound on what all connections have in flight together (the servers'
 * {@code --max-calls-in-flight}, the gateway's {@code --max-requests-in-flight}). Past three
 * quarters of the bound, while other connections have some in flight too, a connection may hold no
 * more than the bound divided among those connections and one more, a client yet to ask: clients
 * that fill the bound between them so leave room for the others. A connection alone may fill it
 * (the Post server is the User server's one big client).
 */
public final class ConnectionShare {

  private ConnectionShare() {}

  /** Whether shares apply: {@code inFlight} is past three quarters of {@code limit}. */
  public static boolean contended(int limit, int inFlight) {
    return inFlight > limit / 4 * 3;
  }

  /**
   * Whether a connection holding {@code held} (this one included), among {@code connections}
   * holding any, is past its share of a contended bound.
   */
  public static boolean exceeded(int limit, int connections, int held) {
    return connections >= 2 && held > share(limit, connections);
  }

  /** Why a connection is refused past its share, after {@code what} ("the server has 7 calls"). */
  public static String refusal(String what, String flag, int limit, int connections, int held) {
    return what
        + " in flight ("
        + flag
        + "="
        + limit
        + "), this connection "
        + held
        + ", more than its share ("
        + share(limit, connections)
        + ") while "
        + connections
        + " connections call; retry later, or elsewhere";
  }

  private static int share(int limit, int connections) {
    return limit / (connections + 1);
  }
}
