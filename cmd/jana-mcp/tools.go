package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/landing"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// newToolsCommand lists the tools and their arguments, from the same references as the
// README's tool reference (tools.Describe: the catalogue as tools/list shows it).
func newToolsCommand(stdout io.Writer) *cobra.Command {
	var (
		asJSON   bool
		toolsets []string
	)
	cmd := &cobra.Command{
		Use:   "tools",
		Short: "List the tools and their arguments, as an MCP client sees them",
		Long: "List the tools, each with its title, toolsets, what it answers and its arguments (type, required or\n" +
			"default, description). --json prints every detail of the README's tool reference as JSON.",
		Example: "  jana-mcp tools\n  jana-mcp tools --toolset air_quality\n  jana-mcp tools --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			refs, err := tools.Describe(cmd.Context(), tools.Selection{Toolsets: toolsets})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(refs)
			}
			return writeTools(stdout, refs)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: every tool with its full description and its arguments' constraints")
	cmd.Flags().StringSliceVar(&toolsets, "toolset", nil,
		"only the tools of these toolsets, named as in MCP_TOOLSETS ("+tools.ToolsetNames()+", or all); repeat or separate with commas")
	return cmd
}

// writeTools prints references for people: per tool a heading line, its toolsets and first
// sentence, then one aligned line per argument.
func writeTools(w io.Writer, refs []tools.Reference) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, r := range refs {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s — %s\n", r.Name, r.Title)
		fmt.Fprintf(tw, "  toolsets: %s\n", strings.Join(r.Toolsets, ", "))
		fmt.Fprintf(tw, "  %s\n", landing.Summary(r.Description))
		if len(r.Arguments) == 0 {
			fmt.Fprintln(tw, "  no arguments")
			continue
		}
		for _, a := range r.Arguments {
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", a.Name, a.Type, need(a), landing.Summary(a.Description))
		}
	}
	return tw.Flush()
}

// need says whether an argument must be given, or what it defaults to.
func need(a tools.Argument) string {
	switch {
	case a.Required:
		return "required"
	case a.Default != nil:
		data, _ := json.Marshal(a.Default)
		return "default " + string(data)
	}
	return "optional"
}
