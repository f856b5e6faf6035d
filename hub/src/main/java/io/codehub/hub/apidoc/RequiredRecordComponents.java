package io.codehub.hub.apidoc;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Iterator;

import com.fasterxml.jackson.databind.JavaType;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.oas.models.media.Schema;
import org.jspecify.annotations.Nullable;

/**
 * Marks as {@code required} every property of a record's schema whose component is not
 * {@link Nullable}: the hub's packages are {@code @NullMarked}, so such a member is always in an
 * answer, and a request without it is refused. Without this, springdoc would call every member of
 * a view optional, and generated clients would treat, say, a workspace's {@code id} as maybe absent.
 * (The hub's JSON leaves out only null members, {@code spring.jackson.default-property-inclusion}.)
 */
final class RequiredRecordComponents implements ModelConverter {

    @Override
    public @Nullable Schema<?> resolve(AnnotatedType type, ModelConverterContext context, Iterator<ModelConverter> chain) {
        Schema<?> resolved = chain.hasNext() ? chain.next().resolve(type, context, chain) : null;
        Class<?> raw = rawClass(type.getType());
        if (resolved == null || raw == null || !raw.isRecord()) {
            return resolved;
        }
        Schema<?> model = resolved;
        String ref = resolved.get$ref();
        if (ref != null) {
            model = context.getDefinedModels().get(ref.substring(ref.lastIndexOf('/') + 1));
        }
        if (model == null || model.getProperties() == null) {
            return resolved;
        }
        for (RecordComponent component : raw.getRecordComponents()) {
            boolean nullable = component.getAnnotatedType().isAnnotationPresent(Nullable.class);
            String name = component.getName();
            if (!nullable && model.getProperties().containsKey(name)
                    && (model.getRequired() == null || !model.getRequired().contains(name))) {
                model.addRequiredItem(name);
            }
        }
        if (model.getRequired() != null) {
            model.getRequired().sort(null);
        }
        return resolved;
    }

    private static @Nullable Class<?> rawClass(@Nullable Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        // swagger-core describes the members it walks with Jackson 2's types.
        if (type instanceof JavaType j) {
            return j.getRawClass();
        }
        return null;
    }
}
