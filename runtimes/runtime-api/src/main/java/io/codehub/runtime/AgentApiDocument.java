package io.codehub.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The OpenAPI 3.1 document of Agent API v1, shipped in this jar and served by every agent. */
public final class AgentApiDocument {

    /** Classpath location of the document. */
    public static final String RESOURCE = "/io/codehub/runtime/agent-api.yaml";

    /** The media type it is served with. */
    public static final String MEDIA_TYPE = "application/yaml";

    private AgentApiDocument() {
    }

    /** The document's bytes (UTF-8 YAML). */
    public static byte[] bytes() {
        try (InputStream in = AgentApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Agent API document missing from the classpath: " + RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }
}
