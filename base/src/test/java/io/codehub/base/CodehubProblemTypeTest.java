package io.codehub.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;

import org.junit.jupiter.api.Test;

class CodehubProblemTypeTest {

    enum Sample implements CodehubProblemType {
        VOLUME_IN_USE("volume-in-use", 409, "Volume in use"),
        INTERNAL("internal", 500, "Internal error");

        private final String slug;
        private final int status;
        private final String title;

        Sample(String slug, int status, String title) {
            this.slug = slug;
            this.status = status;
            this.title = title;
        }

        @Override
        public String slug() {
            return slug;
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public String title() {
            return title;
        }
    }

    @Test
    void theUriIsThePrefixAndTheSlug() {
        // published: agents and API clients match on these bytes
        assertThat(CodehubProblemType.URI_PREFIX).isEqualTo("urn:codehub:problem:");
        assertThat(Sample.VOLUME_IN_USE.uri()).isEqualTo(URI.create("urn:codehub:problem:volume-in-use"));
    }

    @Test
    void typesAreFoundBackByTheirUri() {
        var byUri = CodehubProblemType.byUri(Sample.values());
        assertThat(byUri).containsEntry("urn:codehub:problem:internal", Sample.INTERNAL).hasSize(2);
        assertThat(byUri.get("urn:codehub:problem:unknown")).isNull();
    }

    @Test
    void twoTypesWithOneUriAreRefused() {
        assertThatThrownBy(() -> CodehubProblemType.byUri(new Sample[] {Sample.INTERNAL, Sample.INTERNAL}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("two problem types are urn:codehub:problem:internal");
    }
}
