package dev.grpcpair.common.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code --version}: the command's name and the project's version, which the build writes into
 * {@code project-version.properties} (resource filtering), so that it is never a literal to keep in
 * step with the poms.
 */
public final class ProjectVersion implements IVersionProvider {

  private static final String VERSION = read();

  @Spec CommandSpec spec;

  @Override
  public String[] getVersion() {
    return new String[] {spec.name() + " " + VERSION};
  }

  /** The project's version, e.g. {@code 1.0.0-SNAPSHOT}. */
  public static String get() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = ProjectVersion.class.getResourceAsStream("project-version.properties")) {
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
