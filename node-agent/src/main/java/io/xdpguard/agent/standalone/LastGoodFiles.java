package io.xdpguard.agent.standalone;

import io.xdpguard.agent.files.ApiObjectFiles;
import io.xdpguard.agent.files.ApiObjects;
import io.xdpguard.agent.files.FilterNames;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The API objects of a config directory, file by file, where a file that has become invalid keeps its last valid
 * content in force (and its errors are reported), and a deleted file's objects go away.
 */
final class LastGoodFiles {
    private final Path directory;
    private final Map<Path, ApiObjects> lastGood = new HashMap<>();
    private boolean complete = true;

    LastGoodFiles(Path directory) {
        this.directory = directory;
    }

    /** What to enforce now, and every error found in this read. */
    ApiObjects read() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(ApiObjectFiles::isApiObjectFile).sorted().toList();
        }
        lastGood.keySet().retainAll(files);
        List<XdpFilter> filters = new ArrayList<>();
        Map<String, XdpCidrSet> sets = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        FilterNames names = new FilterNames();
        complete = true;
        for (Path file : files) {
            ApiObjects read = ApiObjectFiles.read(List.of(file));
            ApiObjects used = read;
            if (!read.errors().isEmpty()) {
                errors.addAll(read.errors());
                used = lastGood.get(file);
                if (used != null) {
                    errors.add(file + ": keeping its last valid version in force");
                } else {
                    complete = false;
                    continue;
                }
            } else {
                lastGood.put(file, read);
            }
            for (XdpFilter filter : used.filters()) {
                String duplicate = names.duplicate(filter, file.toString());
                if (duplicate == null) {
                    filters.add(filter);
                } else {
                    errors.add(duplicate + "; this one is ignored");
                }
            }
            used.cidrSets().forEach(sets::putIfAbsent);
        }
        return new ApiObjects(filters, sets, errors);
    }

    /** False when the last read skipped an invalid file with no valid version known (its objects are unknown). */
    boolean complete() {
        return complete;
    }
}
