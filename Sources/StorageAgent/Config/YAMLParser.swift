import CYAML

/// Parses the configuration file with libyaml's event API and builds the `YAMLNode` tree with
/// `YAMLTreeBuilder`. Anchors, aliases, tags, directives and a second document are errors: the
/// file is configuration, and each of them would make a value mean something else than it reads.
enum YAMLParser {
    /// Parses a whole document; an empty document is an empty mapping at line 1.
    static func parse(_ text: String) throws(YAMLError) -> YAMLNode {
        var text = text
        let result = text.withUTF8 { input -> Result<YAMLNode, YAMLError> in
            do throws(YAMLError) {
                return .success(try parse(utf8: input))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func parse(utf8 input: UnsafeBufferPointer<UInt8>) throws(YAMLError) -> YAMLNode {
        var builder = YAMLTreeBuilder()
        guard let base = input.baseAddress, !input.isEmpty else { return builder.finish() }
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        // yaml_parser_initialize(3) fails only when it cannot allocate its buffers.
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(line: 1, message: "out of memory starting the YAML parser")
        }
        defer { yaml_parser_delete(parser) }
        // The input is not copied: it must outlive the parser, which it does inside withUTF8.
        yaml_parser_set_input_string(parser, base, input.count)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else { throw error(of: parser.pointee, input: input) }
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { return builder.finish() }
            try feed(event, to: &builder)
        }
    }

    private static func feed(_ event: yaml_event_t, to builder: inout YAMLTreeBuilder) throws(YAMLError) {
        let line = event.start_mark.line + 1
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            let document = event.data.document_start
            if document.version_directive != nil || document.tag_directives.start != document.tag_directives.end {
                throw YAMLError(line: line, message: "directives (%YAML, %TAG) are not supported; remove the line")
            }
            try builder.startDocument(line: line)
        case YAML_ALIAS_EVENT:
            let name = text(event.data.alias.anchor)
            throw YAMLError(line: line, message: "aliases (*\(name)) are not supported; repeat the value")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            try refuse(anchor: scalar.anchor, tag: scalar.tag, line: line)
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            try builder.scalar(value, quoted: scalar.style != YAML_PLAIN_SCALAR_STYLE, line: line)
        case YAML_SEQUENCE_START_EVENT:
            try refuse(anchor: event.data.sequence_start.anchor, tag: event.data.sequence_start.tag, line: line)
            try builder.start(.sequence, line: line)
        case YAML_MAPPING_START_EVENT:
            try refuse(anchor: event.data.mapping_start.anchor, tag: event.data.mapping_start.tag, line: line)
            try builder.start(.mapping, line: line)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            builder.end()
        default:
            break  // stream start, document end
        }
    }

    private static func refuse(
        anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?, line: Int
    ) throws(YAMLError) {
        if let anchor {
            throw YAMLError(line: line, message: "anchors (&\(text(anchor))) are not supported; repeat the value")
        }
        if let tag {
            throw YAMLError(line: line, message: "tags (\(text(tag))) are not supported; quote the value instead")
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// libyaml's problem at the line a person should look at: a scanner error names the token it
    /// was reading (the quoted scalar, the key missing its `:`); a parser error names the token it
    /// did not expect or, at the end of the input, the construct left open.
    private static func error(of parser: yaml_parser_t, input: UnsafeBufferPointer<UInt8>) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "not valid YAML"
        switch parser.error {
        case YAML_MEMORY_ERROR:
            return YAMLError(line: 1, message: "out of memory parsing YAML")
        case YAML_READER_ERROR:
            // A reader error has a byte offset, not a mark (e.g. "control characters are not allowed").
            let line = 1 + input.prefix(parser.problem_offset).count { $0 == 0x0A }
            return YAMLError(line: line, message: problem)
        default:
            break
        }
        let problemLine = line(of: parser.problem_mark, in: input)
        let problemAt = offset(ofCharacter: parser.problem_mark.index, in: input)
        if parser.error == YAML_SCANNER_ERROR, problemAt < input.count, input[problemAt] == 0x09 {
            return YAMLError(line: problemLine, message: "tabs are not allowed for indentation; use spaces")
        }
        guard let context = parser.context.map({ String(cString: $0) }) else {
            return YAMLError(line: problemLine, message: problem)
        }
        let contextLine = line(of: parser.context_mark, in: input)
        let named = parser.error == YAML_SCANNER_ERROR || problemAt >= input.count ? contextLine : problemLine
        let place = contextLine == named ? "" : " that starts on line \(contextLine)"
        return YAMLError(line: named, message: "\(problem) (\(context)\(place))")
    }

    /// The 1-based line of a mark; at the end of the input, past the last line break, the last
    /// line that is not blank.
    private static func line(of mark: yaml_mark_t, in input: UnsafeBufferPointer<UInt8>) -> Int {
        guard offset(ofCharacter: mark.index, in: input) >= input.count else { return mark.line + 1 }
        let end = input.lastIndex { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D } ?? 0
        return 1 + input[..<end].count { $0 == 0x0A }
    }

    /// The byte offset of a libyaml `mark.index`, which counts characters after any byte order mark.
    private static func offset(ofCharacter index: Int, in input: UnsafeBufferPointer<UInt8>) -> Int {
        var offset = input.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var remaining = index
        while remaining > 0, offset < input.count {
            offset += 1
            while offset < input.count, input[offset] & 0xC0 == 0x80 { offset += 1 }
            remaining -= 1
        }
        return offset
    }
}
