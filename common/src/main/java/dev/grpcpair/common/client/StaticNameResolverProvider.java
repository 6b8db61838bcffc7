package dev.grpcpair.common.client;

import dev.grpcpair.common.config.InvalidConfigException;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.StatusOr;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The {@code static} target scheme: a fixed list of addresses, {@code
 * static:///127.0.0.1:9000,127.0.0.1:9010}, each its own backend for the load balancer (like the
 * blog post's {@code exampleScheme}). Found by grpc through {@code META-INF/services}.
 */
public final class StaticNameResolverProvider extends NameResolverProvider {

  public static final String SCHEME = "static";

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    String path = targetUri.getPath();
    List<EquivalentAddressGroup> backends = parse(path == null ? "" : path.replaceFirst("^/", ""));
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        // TLS checks the certificate against this name; every backend must hold one for it.
        InetSocketAddress first = (InetSocketAddress) backends.get(0).getAddresses().get(0);
        return first.getHostString();
      }

      @Override
      public void start(Listener2 listener) {
        listener.onResult(
            ResolutionResult.newBuilder()
                .setAddressesOrError(StatusOr.fromValue(backends))
                .build());
      }

      @Override
      public void shutdown() {}
    };
  }

  /** {@code host:port,host:port,...}; an IPv6 host in brackets. */
  static List<EquivalentAddressGroup> parse(String addresses) {
    List<EquivalentAddressGroup> backends = new ArrayList<>();
    for (String address : addresses.split(",")) {
      String trimmed = address.strip();
      int colon = trimmed.lastIndexOf(':');
      if (trimmed.isEmpty() || colon <= 0 || colon == trimmed.length() - 1) {
        throw new InvalidConfigException(
            "static target needs host:port[,host:port...], not '" + addresses + "'");
      }
      String host = trimmed.substring(0, colon).replaceAll("^\\[|\\]$", "");
      int port;
      try {
        port = Integer.parseInt(trimmed.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new InvalidConfigException("static target: '" + trimmed + "' has no port number");
      }
      InetSocketAddress socketAddress = new InetSocketAddress(host, port);
      if (socketAddress.isUnresolved()) {
        throw new InvalidConfigException("static target: cannot resolve host '" + host + "'");
      }
      backends.add(new EquivalentAddressGroup(socketAddress));
    }
    return backends;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  /** Below DNS's 5, so a target without a scheme stays a DNS name. */
  @Override
  protected int priority() {
    return 4;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public String toString() {
    return "StaticNameResolverProvider";
  }
}
