/// A decoded key press or mouse event.
public enum Key: Equatable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, tab, backTab, redraw
    case mouse(x: Int, y: Int, button: Int)
}

/// What the application loop must do after the state changed (the reducer stays pure).
public enum Effect: Equatable, Sendable {
    case quit
    case loadScene(Int)
    case play, pause, seek(Double)
    case export
    case startTraining, stopTraining
    case switchCheckpoint(String)
    case compareWith(String)
    case redraw
}

/// The keys and what they do, for the help overlay (and the README).
public enum KeyHelp {
    public static let sections: [(String, [(String, String)])] = [
        ("Audio", [("1 2 3 4", "positive/silence/noise/off-screen"),
                   ("space", "play/pause: the map follows the sound"),
                   ("← → , .", "seek (←/→ while playing)"), ("r", "loop on/off")]),
        ("Threshold", [("+ -", "small step (0.005)"), ("] [", "large step (0.05)"),
                       ("u", "snap to the universal threshold U")]),
        ("Overlay", [("m", "colour map jet / perceptual"), ("b", "style: highlight / dim / heat"),
                     ("o", "ground-truth outline"), ("C", "compare checkpoints side by side"),
                     ("x", "crosshair: map value under it (← ↑ → ↓ or click move it, Esc hides)")]),
        ("Samples", [("j k ↑ ↓", "move (PgUp PgDn g G)"), ("s S", "sort column / reverse"),
                     ("c", "cycle class filter"), ("f", "filter by text"), ("/ n", "jump to id / next"),
                     ("t", "tag as failure case"), ("e", "export tagged ids + figures"), ("Esc", "clear filters")]),
        ("Panels", [("Tab h l", "cycle panels"), ("click", "select sample / panel"),
                    ("d", "demo mode"), ("L", "load the trained checkpoint"),
                    ("?", "this help"), ("q", "quit")]),
        ("Training panel", [("↑ ↓", "field"), ("← →", "change"), ("Enter", "start / resume"), ("x", "stop")]),
    ]
}
