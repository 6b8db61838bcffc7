package dev.grpcpair.common.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.EquivalentAddressGroup;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class StaticNameResolverProviderTest {

  @Test
  void parse_eachAddressIsABackendOfItsOwn() {
    List<EquivalentAddressGroup> backends =
        StaticNameResolverProvider.parse("127.0.0.1:9000, 127.0.0.1:9010,[::1]:9020");

    assertThat(backends)
        .extracting(group -> (InetSocketAddress) group.getAddresses().get(0))
        .extracting(InetSocketAddress::getPort)
        .containsExactly(9000, 9010, 9020);
  }

  @Test
  void parse_withoutPort_saysWhatItNeeds() {
    assertThatThrownBy(() -> StaticNameResolverProvider.parse("127.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host:port[,host:port...]");
    assertThatThrownBy(() -> StaticNameResolverProvider.parse("127.0.0.1:http"))
        .hasMessageContaining("has no port number");
  }
}
