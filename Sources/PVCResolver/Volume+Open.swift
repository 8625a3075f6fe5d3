import HostFS

extension Volume {
    /// Opens the volume directory from its storage root down, refusing a symlink at every level
    /// below the root (a configured path outside every root is opened as the administrator wrote it).
    package func open() throws(SystemError) -> Descriptor {
        guard let root else { return try Descriptor.openDirectory(path: path) }
        var dir = try Descriptor.openDirectory(path: root)
        for component in components { dir = try dir.openDirectory(name: component) }
        return dir
    }
}
