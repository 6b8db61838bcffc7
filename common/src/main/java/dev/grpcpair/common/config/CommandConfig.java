package dev.grpcpair.common.config;

import picocli.CommandLine.Command;

/**
 * What the configuration of each program (both servers and the gateway) has alike: {@code --help}
 * and {@code --version} (the project's version), defaults shown in the help, a short synopsis.
 * picocli applies these before the subclass's own attributes (its name, description and footer).
 */
@Command(
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    abbreviateSynopsis = true,
    versionProvider = ProjectVersion.class)
public abstract class CommandConfig implements Flags.Checked {}
